#include "roomchat/ids.hpp"

#include <algorithm>

#include "roomchat/text_rules.hpp"

namespace roomchat {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

// Two lowercase hex digits per byte into out[0, 2 * N).
template <std::size_t N>
void write_hex(const std::array<std::uint8_t, N>& bytes, char* out) noexcept {
    for (const std::uint8_t byte : bytes) {
        *out++ = hex_digits[byte >> 4U];
        *out++ = hex_digits[byte & 0x0FU];
    }
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
    std::string text(2 * N, '0');
    write_hex(bytes, text.data());
    return text;
}

bool is_id_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool is_valid_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= max_id_length && std::all_of(id.begin(), id.end(), is_id_char);
}

}  // namespace

// A source that only ever yields zeros would loop here forever; such a
// source is broken, and the chance of a nil draw from a working one is 2^-128.
message_id message_id::generate(const random_source& random) {
    message_id id;
    do {
        random(id.bytes_.data(), id.bytes_.size());
    } while (id.is_nil());
    return id;
}

result<message_id> message_id::parse(std::string_view text) {
    if (text.size() != text_length) {
        return errc::invalid_message_id;
    }
    std::array<std::uint8_t, size_bytes> bytes{};
    for (std::size_t i = 0; i < size_bytes; ++i) {
        const int high = hex_value(text[2 * i]);
        const int low = hex_value(text[2 * i + 1]);
        if (high < 0 || low < 0) {
            return errc::invalid_message_id;
        }
        bytes[i] = static_cast<std::uint8_t>((high << 4) | low);
    }
    return message_id(bytes);
}

static_assert(message_id::text_length == 2 * message_id::size_bytes, "two hex digits per byte");

std::string message_id::to_string() const {
    const auto chars = text();
    return std::string(chars.begin(), chars.end());
}

std::array<char, message_id::text_length> message_id::text() const noexcept {
    std::array<char, text_length> out{};
    write_hex(bytes_, out.data());
    return out;
}

bool message_id::is_nil() const noexcept {
    return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t byte) { return byte == 0; });
}

status validate_user_id(std::string_view id) {
    if (!is_valid_id(id)) {
        return errc::invalid_user_id;
    }
    return ok_v;
}

// "." and ".." would be dot segments in the HTTP API's paths, which URL
// parsers remove (even percent-encoded) before the relay sees them.
status validate_room_id(std::string_view id) {
    if (!is_valid_id(id) || id == "." || id == "..") {
        return errc::invalid_room_id;
    }
    return ok_v;
}

status validate_epoch(std::string_view epoch) {
    if (!is_valid_id(epoch)) {
        return errc::invalid_epoch;
    }
    return ok_v;
}

// 64 bits: two epochs of one room never meet in practice, and the text stays short on every joined frame.
std::string generate_epoch(const random_source& random) {
    std::array<std::uint8_t, 8> bytes{};
    random(bytes.data(), bytes.size());
    return to_hex(bytes);
}

result<std::string> normalize_display_name(std::string_view name) {
    return normalize_text(name, text_limits{max_display_name_code_points, false});
}

}  // namespace roomchat

// FNV-1a over all 16 bytes, so ids that share a prefix still spread out.
std::size_t std::hash<roomchat::message_id>::operator()(const roomchat::message_id& id) const noexcept {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const std::uint8_t byte : id.bytes()) {
        hash ^= byte;
        hash *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(hash);
}
