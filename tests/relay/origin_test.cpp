#include "origin.hpp"

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

TEST(origin, no_origin_is_not_a_browser_and_passes) { EXPECT_TRUE(origin_allowed("", "127.0.0.1:8080", {})); }

TEST(origin, default_allows_only_the_relays_own_host) {
    EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", {}));
    EXPECT_TRUE(origin_allowed("https://Chat.Example", "chat.example", {}));
    EXPECT_FALSE(origin_allowed("http://evil.example", "127.0.0.1:8080", {}));
    EXPECT_FALSE(origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080", {}));
    EXPECT_FALSE(origin_allowed("null", "127.0.0.1:8080", {}));
    EXPECT_FALSE(origin_allowed("http://127.0.0.1:8080", "", {}));
}

TEST(origin, an_allowlist_replaces_the_default) {
    const std::vector<std::string> allowed{"https://app.example"};
    EXPECT_TRUE(origin_allowed("https://app.example", "relay.example", allowed));
    EXPECT_FALSE(origin_allowed("https://relay.example", "relay.example", allowed));
    EXPECT_FALSE(origin_allowed("http://app.example", "relay.example", allowed));
    EXPECT_TRUE(origin_allowed("https://anything", "relay.example", {"*"}));
}

}  // namespace
}  // namespace roomchat::relay
