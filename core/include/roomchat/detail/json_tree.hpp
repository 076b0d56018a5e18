#pragma once
// The one way JSON text becomes a tree in the core and at the wasm boundary:
// the protocol codec, a token's claims and the browser's stored sends.
// nlohmann's SAX parser reads and checks the text (UTF-8, numbers, escapes)
// and stops at the first container nested deeper than a limit, so a deep
// input never builds a deep tree; no exception escapes.
//
// The tree is not nlohmann's: it is two flat arrays, the values in document
// order and the bytes of their strings, so a frame of any size costs a few
// allocations. nlohmann's tree costs several per member (a map node, its
// name, a string): building it was half of decoding a batch of messages, and
// a fifth of applying 10,000 incoming messages in the wasm module
// (bench/wasm_send.mjs). Not part of the core's public API.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roomchat::detail {

class json_value;

class json_tree {
public:
    // The value the text was; nullopt when parse_json refused the text.
    // Name it before a range-for over it: `for (auto v : *tree.root())`
    // would read the optional after C++17 destroyed it.
    std::optional<json_value> root() const noexcept;

private:
    friend class json_value;
    friend class json_builder;

    // floating: a fraction, an exponent, or an integer beyond 64 bits, as
    // nlohmann reads them; the core reads none, so only the kind is kept.
    enum class kind : std::uint8_t { null, boolean, negative, non_negative, floating, string, array, object };
    struct node {
        kind type = kind::null;
        bool flag = false;          // boolean
        std::uint32_t end = 0;      // one past the last node of its subtree (its next sibling)
        std::uint32_t size = 0;     // array elements, object members, string bytes
        std::uint32_t at = 0;       // string: where its bytes start in text_
        std::uint32_t name_at = 0;  // an object member: where its name starts in text_
        std::uint32_t name_size = 0;
        std::uint64_t number = 0;  // negative: the int64_t's bits; non_negative: the value
    };
    // A frame padded with an array of zeros is a node per value
    // (bench/codec_bench.cpp, bm_decode_send_frame_of_many_values).
    static_assert(sizeof(node) == 32, "a node is four words");

    // Offsets are 32-bit: a text is at most 4 GiB, far past every caller's
    // limit (a frame's 16 KiB or 1 MiB, a token's claims, the stored sends).
    std::vector<node> nodes_;  // document order: a container's first child follows it
    std::string text_;         // the bytes of every string and member name
};

// One value of a json_tree, which must outlive it and stay where it is.
class json_value {
public:
    bool is_null() const noexcept { return node().type == json_tree::kind::null; }
    bool is_boolean() const noexcept { return node().type == json_tree::kind::boolean; }
    bool is_string() const noexcept { return node().type == json_tree::kind::string; }
    bool is_array() const noexcept { return node().type == json_tree::kind::array; }
    bool is_object() const noexcept { return node().type == json_tree::kind::object; }
    // A number written without fraction or exponent that fits 64 bits: "3"
    // and "-3", not "3.0", "3e0" or "-9223372036854775809". An unsigned one
    // is not negative ("-0" is negative, as in nlohmann).
    bool is_integer() const noexcept { return is_unsigned() || node().type == json_tree::kind::negative; }
    bool is_unsigned() const noexcept { return node().type == json_tree::kind::non_negative; }

    // Each reads as its type's zero for a value of another type.
    bool boolean() const noexcept { return node().flag; }
    std::string_view string() const noexcept;
    std::uint64_t unsigned_integer() const noexcept { return is_unsigned() ? node().number : 0; }
    // An unsigned value above INT64_MAX wraps, as nlohmann's get<int64_t>() does.
    std::int64_t integer() const noexcept {
        return is_integer() ? static_cast<std::int64_t>(node().number) : 0;
    }

    // Elements of an array, members of an object; 0 for any other value.
    std::size_t size() const noexcept { return is_array() || is_object() ? node().size : 0; }
    // The member called `name` of an object (the last one, if the name comes
    // more than once): nullopt when there is none, or this is no object. It
    // looks at every member, so a decoder's reads cost its fields times the
    // object's members, never their square.
    std::optional<json_value> find(std::string_view name) const noexcept;

    // The elements of an array, or the values of an object's members, in order.
    class iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = json_value;
        using difference_type = std::ptrdiff_t;
        using pointer = void;
        using reference = json_value;

        json_value operator*() const noexcept { return {tree_, index_}; }
        iterator& operator++() noexcept {
            index_ = tree_->nodes_[index_].end;
            return *this;
        }
        iterator operator++(int) noexcept {
            const iterator before = *this;
            ++*this;
            return before;
        }
        friend bool operator==(iterator a, iterator b) noexcept { return a.index_ == b.index_; }
        friend bool operator!=(iterator a, iterator b) noexcept { return a.index_ != b.index_; }

    private:
        friend class json_value;
        iterator(const json_tree* tree, std::uint32_t index) noexcept : tree_(tree), index_(index) {}
        const json_tree* tree_;
        std::uint32_t index_;
    };
    iterator begin() const noexcept { return {tree_, size() > 0 ? index_ + 1 : node().end}; }
    iterator end() const noexcept { return {tree_, node().end}; }

private:
    friend class json_tree;
    json_value(const json_tree* tree, std::uint32_t index) noexcept : tree_(tree), index_(index) {}
    const json_tree::node& node() const noexcept { return tree_->nodes_[index_]; }

    const json_tree* tree_;
    std::uint32_t index_;
};

struct parsed_json {
    json_tree tree;         // no root unless the whole text was one JSON value, no deeper than the limit
    bool too_deep = false;  // stopped at a container nested deeper than the limit
};

parsed_json parse_json(std::string_view text, std::size_t max_depth);

}  // namespace roomchat::detail
