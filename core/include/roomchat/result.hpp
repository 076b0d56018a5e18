#pragma once
// Errors as values: a result<T> holds either a T or an errc, never throws
// across the public API and converts to bool like cpp-httplib's Result.
// The one shape for "a value or why not": where the why needs more than a
// code (which field, a sentence for an operator) E is a struct holding the
// errc and that detail (codec.hpp's decode_error), or a message where no code
// applies (the relay's startup errors).

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

#include "roomchat/errc.hpp"

namespace roomchat {

template <typename T, typename E = errc>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
    result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
    // Anything that converts to T (a frame into the variant of frames, a
    // unique_ptr to a derived class) without a second conversion at the caller.
    template <typename U, typename = std::enable_if_t<
                              !std::is_same_v<std::decay_t<U>, result> &&
                              !std::is_same_v<std::decay_t<U>, T> && !std::is_same_v<std::decay_t<U>, E> &&
                              std::is_constructible_v<T, U&&> && !std::is_constructible_v<E, U&&>>>
    result(U&& value)  // NOLINT(google-explicit-constructor,bugprone-forwarding-reference-overload)
        : v_(std::in_place_index<0>, std::forward<U>(value)) {}

    explicit operator bool() const noexcept { return v_.index() == 0; }
    bool ok() const noexcept { return v_.index() == 0; }

    const T& value() const& {
        assert(ok());
        return std::get<0>(v_);
    }
    T& value() & {
        assert(ok());
        return std::get<0>(v_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(v_));
    }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }

    const E& error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, E> v_;
};

// For operations that return nothing but may fail.
struct ok_t {};
inline constexpr ok_t ok_v{};
using status = result<ok_t>;

}  // namespace roomchat
