#include "roomchat/detail/json_tree.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roomchat::detail {
namespace {

// nlohmann's lexer adds each character of a string to a token string, a
// push_back a character. With std::string that is a call each time: its
// members are compiled once, in libstdc++'s shared library (an extern
// template), or in the wasm module from a file compiled -Oz (link-time
// optimisation keeps one copy; core/CMakeLists.txt). A string with an
// allocator of its own is a type nothing else uses, compiled here, and its
// push_back inlines: a message frame decodes 13% faster natively
// (roomchat_bench), and the wasm module applies incoming messages about 3%
// faster (bench/wasm_send.mjs).
template <typename T>
struct inline_allocator : std::allocator<T> {
    inline_allocator() = default;
    template <typename U>
    explicit inline_allocator(const inline_allocator<U>& /*other*/) noexcept {}
    template <typename U>
    struct rebind {
        using other = inline_allocator<U>;
    };
};

using token_string = std::basic_string<char, std::char_traits<char>, inline_allocator<char>>;
// Only its parser is used (through SAX): it builds no nlohmann values.
using sax_json = nlohmann::basic_json<std::map, std::vector, token_string>;

}  // namespace

// nlohmann's SAX interface, building a json_tree. sax_parse calls these
// members by name.
class json_builder {
public:
    using json = sax_json;

    // Room for the text's strings (never longer than their JSON) and for a
    // value every 16 bytes, about what a message frame has, so the tree
    // costs its two allocations and not a series.
    json_builder(json_tree& tree, std::string_view text, std::size_t max_depth)
        : tree_(tree), max_depth_(max_depth) {
        tree_.nodes_.reserve(text.size() / 16 + 1);
        tree_.text_.reserve(text.size());
    }

    bool null() {
        add(json_tree::kind::null);
        return true;
    }
    bool boolean(bool value) {
        add(json_tree::kind::boolean).flag = value;
        return true;
    }
    bool number_integer(json::number_integer_t value) {
        add(json_tree::kind::negative).number = static_cast<std::uint64_t>(value);
        return true;
    }
    bool number_unsigned(json::number_unsigned_t value) {
        add(json_tree::kind::non_negative).number = value;
        return true;
    }
    // The core reads no such numbers: their value is not kept.
    // A template: nlohmann's binary readers, compiled but never run here, pass
    // a std::string.
    template <typename Text>
    bool number_float(json::number_float_t /*value*/, const Text& /*text*/) {
        add(json_tree::kind::floating);
        return true;
    }
    bool string(json::string_t& value) {
        auto& node = add(json_tree::kind::string);
        node.at = append(value);
        node.size = static_cast<std::uint32_t>(value.size());
        return true;
    }
    // Only binary formats (CBOR and the like) have binary values; JSON text has none.
    bool binary(json::binary_t& /*value*/) { return false; }

    bool start_object(std::size_t /*size*/) { return open(json_tree::kind::object); }
    bool key(json::string_t& name) {
        name_at_ = append(name);
        name_size_ = static_cast<std::uint32_t>(name.size());
        return true;
    }
    bool end_object() { return close(); }
    bool start_array(std::size_t /*size*/) { return open(json_tree::kind::array); }
    bool end_array() { return close(); }

    bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                     const nlohmann::detail::exception& /*error*/) {
        return false;
    }

    bool too_deep() const noexcept { return too_deep_; }

    // The text was refused: no root.
    void discard() noexcept {
        tree_.nodes_.clear();
        tree_.text_.clear();
    }

private:
    // A new value: its parent's next member or element (with the name key()
    // gave), or the root.
    json_tree::node& add(json_tree::kind type) {
        const auto index = static_cast<std::uint32_t>(tree_.nodes_.size());
        auto& node = tree_.nodes_.emplace_back();
        node.type = type;
        node.end = index + 1;
        if (!open_.empty()) {
            auto& parent = tree_.nodes_[open_.back()];
            ++parent.size;
            if (parent.type == json_tree::kind::object) {
                node.name_at = name_at_;
                node.name_size = name_size_;
            }
        }
        return node;
    }

    bool open(json_tree::kind type) {
        too_deep_ = open_.size() >= max_depth_;
        if (too_deep_) {
            return false;
        }
        const auto index = static_cast<std::uint32_t>(tree_.nodes_.size());
        add(type);
        open_.push_back(index);
        return true;
    }

    bool close() {
        tree_.nodes_[open_.back()].end = static_cast<std::uint32_t>(tree_.nodes_.size());
        open_.pop_back();
        return true;
    }

    std::uint32_t append(const token_string& bytes) {
        const auto at = static_cast<std::uint32_t>(tree_.text_.size());
        tree_.text_.append(bytes.data(), bytes.size());
        return at;
    }

    json_tree& tree_;
    std::size_t max_depth_;
    std::vector<std::uint32_t> open_;  // the containers not yet closed, outermost first
    std::uint32_t name_at_ = 0;
    std::uint32_t name_size_ = 0;
    bool too_deep_ = false;
};

std::optional<json_value> json_tree::root() const noexcept {
    if (nodes_.empty()) {
        return std::nullopt;
    }
    return json_value(this, 0);
}

std::string_view json_value::string() const noexcept {
    if (!is_string()) {
        return {};
    }
    return std::string_view(tree_->text_).substr(node().at, node().size);
}

std::optional<json_value> json_value::find(std::string_view name) const noexcept {
    if (!is_object()) {
        return std::nullopt;
    }
    const std::string_view text(tree_->text_);
    std::optional<json_value> found;
    for (auto index = index_ + 1; index < node().end; index = tree_->nodes_[index].end) {
        const auto& member = tree_->nodes_[index];
        if (text.substr(member.name_at, member.name_size) == name) {
            found = json_value(tree_, index);
        }
    }
    return found;
}

parsed_json parse_json(std::string_view text, std::size_t max_depth) {
    parsed_json out;
    json_builder builder(out.tree, text, max_depth);
    if (!json_builder::json::sax_parse(text.begin(), text.end(), &builder)) {
        builder.discard();
    }
    out.too_deep = builder.too_deep();
    return out;
}

}  // namespace roomchat::detail
