// The core's JSON tree (roomchat/detail/json_tree.hpp) on any bytes, against
// nlohmann's own tree of the same text: the same texts are refused, nesting
// past the limit is reported, and every value reads the same (a member named
// twice as its last value, as nlohmann's map keeps it).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "roomchat/detail/json_tree.hpp"

#include "check.hpp"

namespace {

using roomchat::detail::json_value;
using roomchat::fuzz::check;

constexpr std::size_t max_depth = 8;

std::size_t depth(const nlohmann::json& value) {
    if (!value.is_structured()) return 0;
    std::size_t deepest = 0;
    for (const auto& item : value) deepest = std::max(deepest, depth(item));
    return deepest + 1;
}

void check_same(json_value ours, const nlohmann::json& theirs) {
    check(ours.is_null() == theirs.is_null(), "null reads as null");
    check(ours.is_boolean() == theirs.is_boolean(), "a boolean reads as a boolean");
    check(ours.boolean() == (theirs.is_boolean() && theirs.get<bool>()), "a boolean keeps its value");
    check(ours.is_string() == theirs.is_string(), "a string reads as a string");
    if (theirs.is_string())
        check(ours.string() == theirs.get_ref<const std::string&>(), "a string keeps its bytes");
    check(ours.is_unsigned() == theirs.is_number_unsigned(), "an unsigned integer reads as one");
    check(ours.is_integer() == theirs.is_number_integer(), "an integer reads as one");
    if (theirs.is_number_integer())
        check(ours.integer() == theirs.get<std::int64_t>(), "an integer keeps its value");
    if (theirs.is_number_unsigned()) {
        check(ours.unsigned_integer() == theirs.get<std::uint64_t>(), "an unsigned integer keeps its value");
    }
    check(ours.is_array() == theirs.is_array(), "an array reads as an array");
    check(ours.is_object() == theirs.is_object(), "an object reads as an object");
    if (theirs.is_array()) {
        check(ours.size() == theirs.size(), "an array keeps its length");
        std::size_t i = 0;
        for (const json_value element : ours) check_same(element, theirs[i++]);
        check(i == theirs.size(), "iteration visits every element once");
    } else if (theirs.is_object()) {
        check(ours.size() >= theirs.size(), "every member is kept, repeated names included");
        std::size_t members = 0;
        for (const json_value member : ours) {
            (void)member;
            ++members;
        }
        check(members == ours.size(), "iteration visits every member once");
        for (const auto& [name, value] : theirs.items()) {
            const auto found = ours.find(name);
            check(found.has_value(), "each member is found by its name");
            check_same(*found, value);
        }
    } else {
        check(ours.size() == 0 && ours.begin() == ours.end(), "a scalar has no elements");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto ours = roomchat::detail::parse_json(text, max_depth);
    const auto theirs = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    const auto root = ours.tree.root();
    if (theirs.is_discarded()) {
        check(!root, "text nlohmann refuses has no tree");
    } else if (depth(theirs) > max_depth) {
        check(!root && ours.too_deep, "nesting past the limit is refused as too deep");
    } else {
        check(root.has_value() && !ours.too_deep, "text nlohmann accepts within the limit has a tree");
        check_same(*root, theirs);
    }
    return 0;
}
