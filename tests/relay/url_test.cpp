#include "url.hpp"

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

TEST(url, splits_path_and_query) {
    EXPECT_EQ(split_target("/a/b?x=1").path, "/a/b");
    EXPECT_EQ(split_target("/a/b?x=1").query, "x=1");
    EXPECT_EQ(split_target("/plain").query, "");
    EXPECT_EQ(split_target("/q?").query, "");
}

TEST(url, percent_decodes) {
    EXPECT_EQ(percent_decode("a%20b%2Fc%2fd"), std::optional<std::string>("a b/c/d"));
    EXPECT_EQ(percent_decode("a+b"), std::optional<std::string>("a+b"));
    EXPECT_EQ(percent_decode("%00"), std::optional<std::string>(std::string(1, '\0')));
    EXPECT_EQ(percent_decode("%252e"), std::optional<std::string>("%2e"));  // one level only
}

TEST(url, refuses_broken_escapes) {
    EXPECT_FALSE(percent_decode("%"));
    EXPECT_FALSE(percent_decode("%4"));
    EXPECT_FALSE(percent_decode("abc%zz"));
    EXPECT_FALSE(percent_decode("%g0"));
}

TEST(url, parses_queries) {
    const auto params = parse_query("before=10&limit=5&name=a%26b&flag&&limit=7");
    ASSERT_TRUE(params);
    EXPECT_EQ(params->at("before"), "10");
    EXPECT_EQ(params->at("limit"), "7");
    EXPECT_EQ(params->at("name"), "a&b");
    EXPECT_EQ(params->at("flag"), "");
    EXPECT_EQ(params->size(), 4u);
    EXPECT_FALSE(parse_query("a=%zz"));
    EXPECT_TRUE(parse_query("")->empty());
}

}  // namespace
}  // namespace roomchat::relay
