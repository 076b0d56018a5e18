#pragma once
// Errors as values: a result<T> holds either a T or an errc, never throws
// across the public API and converts to bool like cpp-httplib's Result.

#include <cassert>
#include <utility>
#include <variant>

#include "roomchat/errc.hpp"

namespace roomchat {

template <typename T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
    result(errc error) : v_(error) {}          // NOLINT(google-explicit-constructor)

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
    const T* operator->() const { return &value(); }

    errc error() const {
        assert(!ok());
        return std::get<1>(v_);
    }

private:
    std::variant<T, errc> v_;
};

// For operations that return nothing but may fail.
struct ok_t {};
inline constexpr ok_t ok_v{};
using status = result<ok_t>;

}  // namespace roomchat
