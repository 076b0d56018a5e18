#pragma once
// Identifiers. A message_id is chosen by the sending client from injected
// random bytes, so a resend after a lost ack carries the same id and the relay
// can deduplicate it. User and room ids come from the host application's
// tokens and the URL; they are validated before any state is keyed by them.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "roomchat/result.hpp"

namespace roomchat {

// Fills the buffer with random bytes. Injected so the core never touches a
// global RNG: crypto.getRandomValues in the browser, a seeded engine in tests.
using random_source = std::function<void(std::uint8_t* data, std::size_t size)>;

// 128 random bits. Canonical text form: 32 lowercase hex digits.
class message_id {
public:
    static constexpr std::size_t size_bytes = 16;
    static constexpr std::size_t text_length = 32;

    message_id() = default;  // all zero; never produced by generate()
    explicit message_id(const std::array<std::uint8_t, size_bytes>& bytes) : bytes_(bytes) {}

    // Draws 16 bytes from the source. All-zero draws are redrawn.
    static message_id generate(const random_source& random);

    // Accepts only the canonical form; anything else is errc::invalid_message_id.
    static result<message_id> parse(std::string_view text);

    std::string to_string() const;
    // The same text without allocating (not NUL-terminated): for a writer
    // that copies it on anyway.
    std::array<char, text_length> text() const noexcept;
    const std::array<std::uint8_t, size_bytes>& bytes() const noexcept { return bytes_; }
    bool is_nil() const noexcept;

    friend bool operator==(const message_id& a, const message_id& b) noexcept { return a.bytes_ == b.bytes_; }
    friend bool operator!=(const message_id& a, const message_id& b) noexcept { return !(a == b); }
    friend bool operator<(const message_id& a, const message_id& b) noexcept { return a.bytes_ < b.bytes_; }

private:
    std::array<std::uint8_t, size_bytes> bytes_{};
};

// User and room ids: 1..64 bytes of [A-Za-z0-9_.-], and a room id is not "."
// or "..". Plain ASCII keeps them safe in URLs, log lines and metric labels
// without escaping.
inline constexpr std::size_t max_id_length = 64;

status validate_user_id(std::string_view id);  // errc::invalid_user_id
status validate_room_id(std::string_view id);  // errc::invalid_room_id

// A room's epoch names one unbroken life of its sequence numbers: seqs are
// only comparable within one epoch. The relay draws a new one whenever a room
// starts again from seq 1 (created, or recreated after a restart), so a
// client holding seqs of another epoch knows they mean nothing here. Same
// character rule as ids; generated epochs are 16 lowercase hex digits.
status validate_epoch(std::string_view epoch);  // errc::invalid_epoch
std::string generate_epoch(const random_source& random);

// Display names follow the text rules with a smaller limit and no newlines.
inline constexpr std::size_t max_display_name_code_points = 40;

// Returns the trimmed, normalised name or the text rule's error.
result<std::string> normalize_display_name(std::string_view name);

}  // namespace roomchat

template <>
struct std::hash<roomchat::message_id> {
    std::size_t operator()(const roomchat::message_id& id) const noexcept;
};
