// The core's JSON tree (roomchat/detail/json_tree.hpp): what nlohmann's
// parser accepts, read back as nlohmann's own tree would give it.
// tests/fuzz/json_tree_fuzz.cpp compares the two on any bytes.

#include "roomchat/detail/json_tree.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using roomchat::detail::json_value;
using roomchat::detail::parse_json;

TEST(json_tree, reads_every_kind_of_value) {
    const auto parsed = parse_json(
        R"({"s":"a\"\u00e9\n","t":true,"f":false,"n":null,"u":18446744073709551615,)"
        R"("i":-9223372036854775808,"z":-0,"x":1.5,"e":1e3,"b":18446744073709551616,"a":[1,[2],{}],)"
        R"("o":{"k":"v"}})",
        8);
    ASSERT_TRUE(parsed.tree.root());
    const json_value root = *parsed.tree.root();
    ASSERT_TRUE(root.is_object());
    EXPECT_EQ(root.size(), 12U);
    EXPECT_EQ(root.find("s").value().string(), "a\"\xc3\xa9\n");
    EXPECT_TRUE(root.find("t").value().is_boolean());
    EXPECT_TRUE(root.find("t").value().boolean());
    EXPECT_FALSE(root.find("f").value().boolean());
    EXPECT_TRUE(root.find("n").value().is_null());
    EXPECT_TRUE(root.find("u").value().is_unsigned());
    EXPECT_EQ(root.find("u").value().unsigned_integer(), std::numeric_limits<std::uint64_t>::max());
    EXPECT_FALSE(root.find("i").value().is_unsigned());
    EXPECT_TRUE(root.find("i").value().is_integer());
    EXPECT_EQ(root.find("i").value().integer(), std::numeric_limits<std::int64_t>::min());
    EXPECT_TRUE(root.find("z").value().is_integer());
    EXPECT_FALSE(root.find("z").value().is_unsigned()) << "-0 is written negative, as nlohmann reads it";
    for (const char* floating : {"x", "e", "b"}) {  // "b": an integer past 64 bits, as nlohmann reads it
        const auto value = root.find(floating).value();
        EXPECT_FALSE(value.is_integer()) << floating;
        EXPECT_EQ(value.unsigned_integer(), 0U) << floating;
    }
    EXPECT_EQ(root.find("o").value().find("k").value().string(), "v");
    EXPECT_FALSE(root.find("missing"));
    EXPECT_FALSE(root.find("s").value().find("s")) << "a string has no members";
}

TEST(json_tree, another_types_read_gives_that_types_zero) {
    const auto parsed = parse_json(R"(["text",7,true,[1]])", 8);
    const auto root = parsed.tree.root().value();
    std::vector<json_value> values(root.begin(), root.end());
    ASSERT_EQ(values.size(), 4U);
    EXPECT_EQ(values[1].string(), "");
    EXPECT_EQ(values[0].unsigned_integer(), 0U);
    EXPECT_EQ(values[0].integer(), 0);
    EXPECT_FALSE(values[1].boolean());
    EXPECT_EQ(values[0].size(), 0U);
    EXPECT_EQ(values[0].begin(), values[0].end());
    EXPECT_EQ(values[3].size(), 1U);
}

TEST(json_tree, iteration_steps_over_whole_subtrees) {
    const auto parsed = parse_json(R"([{"a":[1,2,{"b":[3]}]},[],"x",[[[]]],{}])", 8);
    const auto root = parsed.tree.root();  // named: a range-for over *root() would outlive the optional
    ASSERT_TRUE(root);
    std::vector<std::size_t> sizes;
    for (const json_value element : *root) sizes.push_back(element.size());
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 0, 0, 1, 0}));
    const auto array = (*root->begin()).find("a");
    std::vector<std::uint64_t> numbers;
    for (const json_value element : *array) numbers.push_back(element.unsigned_integer());
    EXPECT_EQ(numbers, (std::vector<std::uint64_t>{1, 2, 0}));
}

TEST(json_tree, a_repeated_member_reads_as_its_last_value) {
    const auto parsed = parse_json(R"({"k":1,"other":2,"k":3})", 8);
    const auto root = parsed.tree.root().value();
    EXPECT_EQ(root.find("k").value().unsigned_integer(), 3U);
    EXPECT_EQ(root.size(), 3U) << "each member is kept; the reads pick the last";
}

TEST(json_tree, names_and_strings_hold_any_character) {
    const auto parsed = parse_json(R"({"":"empty name","a\u0000b":"\u0000","\ud83d\udc4d":"👍"})", 8);
    const auto root = parsed.tree.root().value();
    EXPECT_EQ(root.find("").value().string(), "empty name");
    EXPECT_EQ(root.find(std::string("a\0b", 3)).value().string(), std::string(1, '\0'));
    EXPECT_FALSE(root.find("a")) << "a name is matched whole, NUL included";
    EXPECT_EQ(root.find("\xf0\x9f\x91\x8d").value().string(), "\xf0\x9f\x91\x8d");
}

TEST(json_tree, nesting_at_the_limit_parses_and_one_past_it_is_too_deep) {
    const auto at_limit = parse_json("[[[{}]]]", 4);
    EXPECT_TRUE(at_limit.tree.root());
    EXPECT_FALSE(at_limit.too_deep);
    const auto past = parse_json("[[[{\"a\":[]}]]]", 4);
    EXPECT_FALSE(past.tree.root());
    EXPECT_TRUE(past.too_deep);
}

TEST(json_tree, text_that_is_not_one_json_value_has_no_root) {
    for (const std::string text : {"", "{", R"({"a":1,})", "[1] [2]", "tru", "\"\xff\"", "01", "{\"a\" 1}"}) {
        const auto parsed = parse_json(text, 8);
        EXPECT_FALSE(parsed.tree.root()) << text;
        EXPECT_FALSE(parsed.too_deep) << text;
    }
}

}  // namespace
