#pragma once
// Reads the fields of one decoded JSON object into protocol values for the
// codec. The first failure is recorded (code plus the field's path) and every
// later read returns a default, so a decoder reads its fields straight through
// and checks the error once. Only checked accessors are used: nothing here
// throws on bad input.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roomchat/codec.hpp"
#include "roomchat/detail/json_tree.hpp"
#include "roomchat/ids.hpp"

namespace roomchat::detail {

class json_reader {
public:
    // Where an object sits in the frame: "frames[2].message.from." prefixes
    // the names of its fields in errors. The path is written only when a read
    // fails: a frame read without error builds no string for it (a message
    // in a batch built five or six; receiving batch frames in the wasm module
    // takes about 3% less).
    struct place {
        const place* outer = nullptr;      // the object or array around it
        std::string_view name;             // the member holding it; empty: the frame itself
        std::optional<std::size_t> index;  // its index, when `name` is an array

        // "frames[2].message"; empty for the frame itself.
        std::string path() const {
            if (name.empty()) {
                return {};
            }
            std::string out = outer != nullptr ? outer->prefix() : std::string();
            out += name;
            if (index) {
                out += '[' + std::to_string(*index) + ']';
            }
            return out;
        }
        // What the names of its fields follow: "frames[2].message.".
        std::string prefix() const {
            std::string out = path();
            if (!out.empty()) {
                out += '.';
            }
            return out;
        }
    };

    // `object` must be a JSON object; what `where` points to (its outer place
    // and its name's characters) must outlive the reader.
    json_reader(json_value object, place where, std::optional<decode_error>& error)
        : object_(object), place_(where), error_(error) {}

    bool failed() const noexcept { return error_.has_value(); }

    // Keeps the first failure, so a check after a failed read needs no guard.
    void fail(errc code, std::string_view key) {
        if (!error_) {
            error_ = decode_error{code, place_.prefix() + std::string(key)};
        }
    }

    std::string string(std::string_view key) { return std::string(string_field(key).value_or("")); }

    std::optional<std::string> optional_string(std::string_view key) {
        const auto value = find_optional(key);
        if (!value) {
            return std::nullopt;
        }
        return std::string(string_of(*value, key).value_or(""));
    }

    std::string room(std::string_view key) { return checked_id(string(key), key, validate_room_id); }

    std::optional<std::string> optional_room(std::string_view key) {
        return optional_id(key, validate_room_id);
    }

    std::string epoch(std::string_view key) { return checked_id(string(key), key, validate_epoch); }

    std::optional<std::string> optional_epoch(std::string_view key) {
        return optional_id(key, validate_epoch);
    }

    std::string user_id(std::string_view key) { return checked_id(string(key), key, validate_user_id); }

    message_id id(std::string_view key) {
        const auto text = string_field(key);  // parsed where it lies, not copied
        if (!text) {
            return {};
        }
        auto parsed = message_id::parse(*text);
        if (!parsed) {
            fail(parsed.error(), key);
            return {};
        }
        return *parsed;
    }

    bool boolean(std::string_view key) {
        const auto value = find(key);
        if (!value) {
            return false;
        }
        if (!value->is_boolean()) {
            fail(errc::wrong_type, key);
            return false;
        }
        return value->boolean();
    }

    // A flag added after version 1: absent reads as false.
    bool optional_boolean(std::string_view key) { return find_optional(key) && boolean(key); }

    // Integers must be whole, non-negative and fit the target type; JSON
    // fractions and exponents (1.0, 1e3) are floats and are refused.
    template <typename Int>
    Int integer(std::string_view key) {
        const auto value = find(key);
        return value ? integer_of<Int>(*value, key) : Int{};
    }

    template <typename Int>
    std::optional<Int> optional_integer(std::string_view key) {
        const auto value = find_optional(key);
        if (!value) {
            return std::nullopt;
        }
        return integer_of<Int>(*value, key);
    }

    // A string naming an enumerator; `parse` returns nullopt for unknown names.
    template <typename Parse>
    auto enumeration(std::string_view key, Parse parse) ->
        typename decltype(parse(std::string_view()))::value_type {
        const std::string name = string(key);
        if (failed()) {
            return {};
        }
        auto parsed = parse(name);
        if (!parsed) {
            fail(errc::wrong_type, key);
            return {};
        }
        return *parsed;
    }

    // Whether the object has the field (any value).
    bool has(std::string_view key) { return find_optional(key).has_value(); }

    // A nested object, read by `read(json_reader&)`.
    template <typename Read>
    auto object(std::string_view key, Read read) -> decltype(read(std::declval<json_reader&>())) {
        const auto value = find(key);
        if (!value) {
            return {};
        }
        if (!value->is_object()) {
            fail(errc::wrong_type, key);
            return {};
        }
        json_reader nested(*value, place{&place_, key, std::nullopt}, error_);
        return read(nested);
    }

    // An array of objects, each read by `read(json_reader&)`.
    template <typename Read>
    auto array(std::string_view key, Read read) -> std::vector<decltype(read(std::declval<json_reader&>()))> {
        std::vector<decltype(read(std::declval<json_reader&>()))> out;
        const auto value = find(key);
        if (!value) {
            return out;
        }
        if (!value->is_array()) {
            fail(errc::wrong_type, key);
            return out;
        }
        out.reserve(value->size());
        std::size_t i = 0;
        for (const json_value item : *value) {
            if (!item.is_object()) {
                fail(errc::wrong_type, place{nullptr, key, i}.path());  // "key[i]" after this object's prefix
                break;
            }
            json_reader nested(item, place{&place_, key, i}, error_);
            out.push_back(read(nested));
            if (failed()) {
                break;
            }
            ++i;
        }
        return out;
    }

private:
    std::optional<json_value> find_optional(std::string_view key) {
        if (failed()) {
            return std::nullopt;
        }
        return object_.find(key);
    }

    std::optional<json_value> find(std::string_view key) {
        if (failed()) {
            return std::nullopt;
        }
        auto value = find_optional(key);
        if (!value) {
            fail(errc::missing_field, key);
        }
        return value;
    }

    // The text of a string value; nullopt (and the failure recorded) for another type.
    std::optional<std::string_view> string_of(json_value value, std::string_view key) {
        if (!value.is_string()) {
            fail(errc::wrong_type, key);
            return std::nullopt;
        }
        return value.string();
    }

    std::optional<std::string_view> string_field(std::string_view key) {
        const auto value = find(key);
        return value ? string_of(*value, key) : std::nullopt;
    }

    template <typename Int>
    Int integer_of(json_value value, std::string_view key) {
        static_assert(std::numeric_limits<Int>::is_integer);
        std::uint64_t number = 0;
        if (value.is_unsigned()) {
            number = value.unsigned_integer();
        } else if (value.is_integer() && value.integer() == 0) {
            number = 0;  // "-0" parses as a signed zero
        } else {
            fail(errc::wrong_type, key);
            return {};
        }
        if (number > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
            fail(errc::wrong_type, key);
            return {};
        }
        return static_cast<Int>(number);
    }

    std::optional<std::string> optional_id(std::string_view key, status (*validate)(std::string_view)) {
        auto value = optional_string(key);
        if (value) {
            *value = checked_id(std::move(*value), key, validate);
        }
        return value;
    }

    std::string checked_id(std::string value, std::string_view key, status (*validate)(std::string_view)) {
        if (failed()) {
            return {};
        }
        const status valid = validate(value);
        if (!valid) {
            fail(valid.error(), key);
            return {};
        }
        return value;
    }

    json_value object_;
    place place_;
    std::optional<decode_error>& error_;
};

}  // namespace roomchat::detail
