#pragma once
// only<T>(v): the elements of a vector of variants (client events, decoded
// frames) that hold a T, in order.

#include <variant>
#include <vector>

namespace roomchat::test {

template <typename T, typename Variant>
std::vector<T> only(const std::vector<Variant>& all) {
    std::vector<T> out;
    for (const auto& item : all) {
        if (const auto* held = std::get_if<T>(&item)) {
            out.push_back(*held);
        }
    }
    return out;
}

}  // namespace roomchat::test
