#include "stamp.hpp"

#include <array>
#include <charconv>

namespace roomchat::load {
namespace {

std::string hex16(std::uint64_t value) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string text(16, '0');
    for (int i = 15; i >= 0; --i, value >>= 4U) text[static_cast<std::size_t>(i)] = digits[value & 0xfU];
    return text;
}

}  // namespace

// The prefix is never zero, so no id of a run is the nil id.
message_numbering::message_numbering(std::uint64_t seed)
    : prefix_(hex16((seed * 0x9e3779b97f4a7c15ULL) | 1U)) {}

message_id message_numbering::id_of(std::uint64_t number) const {
    // Built from text so that the id is exactly what number_of reads back.
    return *message_id::parse(prefix_ + hex16(number));
}

std::optional<std::uint64_t> message_numbering::number_of(std::string_view id_text) const {
    if (id_text.size() != message_id::text_length || id_text.substr(0, 16) != prefix_) return std::nullopt;
    std::uint64_t number = 0;
    const auto digits = id_text.substr(16);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number, 16);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
    return number;
}

std::string stamped_text(clock::time_point sent, std::size_t bytes) {
    std::string text =
        std::to_string(
            std::chrono::duration_cast<std::chrono::nanoseconds>(sent.time_since_epoch()).count()) +
        ' ';
    for (std::size_t i = 0; text.size() < bytes; ++i) text += static_cast<char>('a' + i % 26);
    return text;
}

std::optional<clock::time_point> stamp_of(std::string_view text) {
    std::int64_t ns = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ns);
    if (ec != std::errc{} || end == text.data() || end == text.data() + text.size() || *end != ' ')
        return std::nullopt;
    return clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace roomchat::load
