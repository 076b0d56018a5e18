#pragma once
// A number from a command-line argument of the test and benchmark tools
// (chaos_soak, roomchat_load, relay_measure): the whole text must be one
// number within [low, high], or it is refused, so a tool says which argument
// it cannot use instead of running with 0 or dying of an exception.

#include <charconv>
#include <optional>
#include <string_view>
#include <system_error>

namespace roomchat::relay_test {

template <class T>
std::optional<T> cli_number(std::string_view text, T low, T high) {
    T value{};
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || value < low || value > high)
        return std::nullopt;
    return value;
}

}  // namespace roomchat::relay_test
