#include "roomchat/timeline.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_ids.hpp"

namespace roomchat::detail {
namespace {

using test::id_of;

chat_message msg(seq_t seq, std::uint8_t id = 0) {
    return chat_message{seq, id_of(id == 0 ? static_cast<std::uint8_t>(seq) : id), {"u", "U"}, "hi", 10};
}

std::vector<seq_t> seqs(const timeline& t) {
    std::vector<seq_t> out;
    for (const auto& [seq, message] : t.messages()) {
        out.push_back(seq);
    }
    return out;
}

TEST(timeline, holds_live_messages_back_until_the_base_is_known) {
    timeline t;
    EXPECT_EQ(t.insert(msg(12)), insert_outcome::held_back);
    EXPECT_EQ(t.insert(msg(12)), insert_outcome::duplicate);
    EXPECT_TRUE(t.messages().empty());
    EXPECT_FALSE(t.has_gap());

    const auto held = t.set_base(9);
    ASSERT_EQ(held.size(), 1U);
    EXPECT_EQ(held[0].seq, 12U);
    EXPECT_TRUE(t.based());
    EXPECT_EQ(t.block_start(), 10U);
    EXPECT_EQ(t.contiguous(), 9U);
    EXPECT_TRUE(t.has_gap());  // 12 is known, 10 and 11 are not held
}

TEST(timeline, a_page_then_the_held_back_message_extends_the_block) {
    timeline t;
    EXPECT_EQ(t.insert(msg(13)), insert_outcome::held_back);
    const auto held = t.set_base(9);
    for (seq_t s = 10; s <= 12; ++s) {
        EXPECT_EQ(t.insert(msg(s)), insert_outcome::shown);
    }
    EXPECT_EQ(t.insert(held[0]), insert_outcome::shown);
    EXPECT_EQ(t.contiguous(), 13U);
    EXPECT_EQ(t.block_start(), 10U);
    EXPECT_FALSE(t.has_gap());
    EXPECT_EQ(seqs(t), (std::vector<seq_t>{10, 11, 12, 13}));
}

TEST(timeline, drops_duplicates_by_seq_and_by_id) {
    timeline t;
    t.set_base(0);
    EXPECT_EQ(t.insert(msg(1, 50)), insert_outcome::shown);
    EXPECT_EQ(t.insert(msg(1, 51)), insert_outcome::duplicate);
    EXPECT_EQ(t.insert(msg(2, 50)), insert_outcome::duplicate);
    EXPECT_EQ(t.insert(msg(0, 52)), insert_outcome::duplicate);  // seq 0 is never valid
    EXPECT_EQ(t.messages().size(), 1U);
}

TEST(timeline, a_straggler_above_opens_a_gap_that_filling_closes) {
    timeline t;
    t.set_base(0);
    EXPECT_EQ(t.insert(msg(1)), insert_outcome::shown);
    EXPECT_EQ(t.insert(msg(4)), insert_outcome::shown);
    EXPECT_EQ(t.contiguous(), 1U);
    EXPECT_TRUE(t.has_gap());
    EXPECT_EQ(t.id_after(1), id_of(4));
    t.insert(msg(3));
    EXPECT_EQ(t.contiguous(), 1U);
    t.insert(msg(2));
    EXPECT_EQ(t.contiguous(), 4U);
    EXPECT_FALSE(t.has_gap());
}

TEST(timeline, note_seq_alone_reveals_a_gap) {
    timeline t;
    t.set_base(0);
    EXPECT_FALSE(t.has_gap());
    t.note_seq(3);
    EXPECT_TRUE(t.has_gap());
    t.note_seq(2);
    EXPECT_EQ(t.newest_known(), 3U);
}

TEST(timeline, older_messages_extend_the_block_downwards) {
    timeline t;
    t.set_base(20);
    t.insert(msg(21));
    t.insert(msg(22));
    EXPECT_EQ(t.block_start(), 21U);
    t.insert(msg(20));
    t.insert(msg(19));
    EXPECT_EQ(t.block_start(), 19U);
    // A lone older message below a hole does not move the block.
    t.insert(msg(5));
    EXPECT_EQ(t.block_start(), 19U);
    EXPECT_EQ(seqs(t), (std::vector<seq_t>{5, 19, 20, 21, 22}));
}

TEST(timeline, id_after_names_the_next_held_message) {
    timeline t;
    t.set_base(0);
    t.insert(msg(1));
    t.insert(msg(3));
    EXPECT_EQ(t.id_after(0), id_of(1));
    EXPECT_EQ(t.id_after(1), id_of(3));
    EXPECT_EQ(t.id_after(2), id_of(3));
    EXPECT_EQ(t.id_after(3), std::nullopt);
}

TEST(timeline, reset_forgets_everything_but_what_the_room_has) {
    timeline t;
    t.set_base(0);
    t.insert(msg(1));
    t.insert(msg(2));
    t.reset();
    EXPECT_FALSE(t.based());
    EXPECT_TRUE(t.messages().empty());
    EXPECT_FALSE(t.has_gap());  // nothing to measure a gap from until the next base
    t.set_base(0);
    EXPECT_EQ(t.insert(msg(1)), insert_outcome::shown);  // the id is free again
    EXPECT_TRUE(t.has_gap());                            // seq 2 was known to exist
}

TEST(timeline, dropping_held_back_messages_forgets_them) {
    timeline t;
    t.insert(msg(7));
    t.drop_held_back();
    EXPECT_TRUE(t.set_base(6).empty());
}

TEST(timeline, trim_forgets_the_oldest_and_moves_the_block_start_up) {
    timeline t;
    t.set_base(0);
    for (seq_t s = 1; s <= 5; ++s) {
        t.insert(msg(s));
    }
    EXPECT_TRUE(t.trim(5).empty());  // at the cap: nothing goes
    const auto trimmed = t.trim(3);
    ASSERT_EQ(trimmed.size(), 2U);
    EXPECT_EQ(trimmed[0].seq, 1U);
    EXPECT_EQ(trimmed[1].seq, 2U);
    EXPECT_EQ(seqs(t), (std::vector<seq_t>{3, 4, 5}));
    EXPECT_EQ(t.block_start(), 3U);
    EXPECT_EQ(t.contiguous(), 5U);
    EXPECT_FALSE(t.has_gap());
    // A trimmed id is free again: an older page may bring the message back.
    EXPECT_EQ(t.insert(msg(2)), insert_outcome::shown);
    EXPECT_EQ(t.block_start(), 2U);
}

TEST(timeline, trim_takes_stragglers_below_the_block_first) {
    timeline t;
    t.set_base(20);
    t.insert(msg(21));
    t.insert(msg(22));
    t.insert(msg(5));  // below a hole
    const auto trimmed = t.trim(2);
    ASSERT_EQ(trimmed.size(), 1U);
    EXPECT_EQ(trimmed[0].seq, 5U);
    EXPECT_EQ(t.block_start(), 21U);
    EXPECT_EQ(t.contiguous(), 22U);
}

TEST(timeline, trimming_the_whole_block_restarts_it_past_the_hole_above) {
    timeline t;
    t.set_base(0);
    t.insert(msg(1));
    t.insert(msg(2));
    t.insert(msg(6));  // stragglers above a gap: 3 to 5 missing
    t.insert(msg(7));
    ASSERT_TRUE(t.has_gap());
    t.trim(2);
    EXPECT_EQ(seqs(t), (std::vector<seq_t>{6, 7}));
    EXPECT_EQ(t.block_start(), 6U);
    EXPECT_EQ(t.contiguous(), 7U);
    EXPECT_FALSE(t.has_gap()) << "3 to 5 would be trimmed again as soon as they came";
}

chat_message reaction(seq_t seq, seq_t to, const std::string& user) {
    chat_message entry{seq, id_of(static_cast<std::uint8_t>(100 + seq)), {user, user}, "", 10};
    entry.reaction = reaction_change{to, "\xF0\x9F\x91\x8D", true};  // 👍
    return entry;
}

TEST(timeline, what_reactions_change_is_listed_ascending_and_once_after_an_insert_or_a_trim) {
    // 1, a hole at 2, then 3 and 4 and reactions to 4, 3 and 4 again above it.
    const auto fill = [](timeline& t) {
        t.set_base(0);
        t.insert(msg(1));
        for (const auto& m :
             {msg(3), msg(4), reaction(5, 4, "a"), reaction(6, 3, "a"), reaction(7, 4, "b")}) {
            t.insert(m);
        }
        EXPECT_TRUE(t.changed().empty()) << "nothing reached above the hole";
    };
    timeline filled;
    fill(filled);
    EXPECT_EQ(filled.insert(msg(2)), insert_outcome::shown);
    EXPECT_EQ(filled.changed(), (std::vector<seq_t>{3, 4}));

    timeline trimmed;
    fill(trimmed);
    ASSERT_EQ(trimmed.trim(2).size(), 1U);  // 1 goes: the block restarts at 3, past the hole
    EXPECT_EQ(trimmed.changed(), (std::vector<seq_t>{3, 4}));
    EXPECT_EQ(trimmed.messages().at(4).reactions.at(0).users.size(), 2U);
}

TEST(timeline, trim_leaves_a_gap_above_the_kept_block_open) {
    timeline t;
    t.set_base(0);
    for (seq_t s = 1; s <= 4; ++s) {
        t.insert(msg(s));
    }
    t.insert(msg(9));
    t.trim(3);
    EXPECT_EQ(seqs(t), (std::vector<seq_t>{3, 4, 9}));
    EXPECT_EQ(t.block_start(), 3U);
    EXPECT_EQ(t.contiguous(), 4U);
    EXPECT_TRUE(t.has_gap());
}

}  // namespace
}  // namespace roomchat::detail
