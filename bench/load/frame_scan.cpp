#include "frame_scan.hpp"

#include <array>
#include <utility>

namespace roomchat::load {
namespace {

// The string value after `"key":"`, from `from` on; empty when absent.
std::string_view string_field(std::string_view payload, std::string_view quoted_key, std::size_t from = 0) {
    const auto at = payload.find(quoted_key, from);
    if (at == std::string_view::npos) return {};
    const auto start = at + quoted_key.size();
    const auto end = payload.find('"', start);
    if (end == std::string_view::npos) return {};
    return payload.substr(start, end - start);
}

frame_kind kind_named(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, frame_kind>, 8> kinds{{
        {"message", frame_kind::message},
        {"ack", frame_kind::ack},
        {"nack", frame_kind::nack},
        {"welcome", frame_kind::welcome},
        {"joined", frame_kind::joined},
        {"history", frame_kind::history},
        {"presence", frame_kind::presence},
        {"error", frame_kind::error},
    }};
    for (const auto& [known, kind] : kinds) {
        if (name == known) return kind;
    }
    return frame_kind::other;
}

}  // namespace

scanned_frame scan_frame(std::string_view payload) {
    static constexpr std::string_view type_key = "{\"type\":\"";
    if (payload.substr(0, type_key.size()) != type_key) return {};
    scanned_frame frame;
    const auto type = string_field(payload, type_key);
    frame.kind = kind_named(type);
    const auto after_type = type_key.size() + type.size();
    if (frame.kind == frame_kind::message || frame.kind == frame_kind::ack ||
        frame.kind == frame_kind::nack) {
        frame.id = string_field(payload, "\"id\":\"", after_type);
    }
    if (frame.kind == frame_kind::message) {
        // The text cannot end at an escaped quote: only its start is read.
        static constexpr std::string_view text_key = "\"text\":\"";
        const auto at = payload.find(text_key, after_type);
        if (at != std::string_view::npos) frame.text = payload.substr(at + text_key.size());
    }
    return frame;
}

std::size_t object_end(std::string_view text, std::size_t start) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = start; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // the escaped character, a quote perhaps
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{') {
            ++depth;
        } else if (c == '}' && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

}  // namespace roomchat::load
