#include "stamp.hpp"

#include <gtest/gtest.h>

namespace roomchat::load {
namespace {

TEST(Stamp, AnIdCarriesItsNumberForItsOwnRunOnly) {
    const message_numbering run(7);
    const message_numbering other(8);
    const auto id = run.id_of(123456789).to_string();
    EXPECT_EQ(run.number_of(id), 123456789U);
    EXPECT_EQ(other.number_of(id), std::nullopt);
    EXPECT_EQ(run.number_of(id.substr(0, 31)), std::nullopt);
    EXPECT_FALSE(run.id_of(0).is_nil());
}

TEST(Stamp, ATextCarriesItsSendTimeAndHasTheAskedLength) {
    const clock::time_point sent(std::chrono::nanoseconds(987654321012345));
    const std::string text = stamped_text(sent, 64);
    EXPECT_EQ(text.size(), 64U);
    EXPECT_EQ(stamp_of(text), sent);
    EXPECT_EQ(stamp_of(text + "\",\"ts\":1}}"), sent);
}

TEST(Stamp, ATextWithoutAStampHasNone) {
    EXPECT_EQ(stamp_of("hello"), std::nullopt);
    EXPECT_EQ(stamp_of("12345"), std::nullopt);
    EXPECT_EQ(stamp_of(" 12345 x"), std::nullopt);
}

}  // namespace
}  // namespace roomchat::load
