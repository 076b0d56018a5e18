#include "roomchat/detail/json_parse.hpp"

#include <utility>

namespace roomchat::detail {
namespace {

// sax_parse calls these members by name, so hiding the base's is enough. It
// replaces parse() with a callback, which costs a std::function call per
// token and a second stack: decoding a message frame takes about a sixth less
// without it (bench/codec_bench.cpp). The builder is in nlohmann's detail
// namespace, and its template changes in 3.12: a newer nlohmann fails here,
// not silently.
static_assert(NLOHMANN_JSON_VERSION_MAJOR == 3 && NLOHMANN_JSON_VERSION_MINOR == 11,
              "depth_limited_builder derives from nlohmann 3.11's json_sax_dom_parser");
class depth_limited_builder : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
    using builder = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;

public:
    depth_limited_builder(nlohmann::json& result, std::size_t max_depth)
        : builder(result, /*allow_exceptions=*/false), max_depth_(max_depth) {}

    bool start_object(std::size_t size) { return opens() && builder::start_object(size); }
    bool start_array(std::size_t size) { return opens() && builder::start_array(size); }
    bool end_object() {
        --depth_;
        return builder::end_object();
    }
    bool end_array() {
        --depth_;
        return builder::end_array();
    }
    bool too_deep() const noexcept { return too_deep_; }

private:
    bool opens() noexcept {
        too_deep_ = ++depth_ > max_depth_;
        return !too_deep_;
    }

    std::size_t max_depth_;
    std::size_t depth_ = 0;
    bool too_deep_ = false;
};

}  // namespace

parsed_json parse_json(std::string_view text, std::size_t max_depth) {
    parsed_json out;
    depth_limited_builder builder(out.value, max_depth);
    if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder)) {
        out.value = nlohmann::json::value_t::discarded;
    }
    out.too_deep = builder.too_deep();
    return out;
}

}  // namespace roomchat::detail
