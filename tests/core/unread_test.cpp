#include "roomchat/unread.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_ids.hpp"

namespace roomchat::detail {
namespace {

using test::id_of;

chat_message msg(seq_t seq, const std::string& author) {
    return chat_message{seq, id_of(seq), {author, author}, "text", 1};
}

// The held messages and the tracker, changed together as client_session
// changes them.
struct fixture {
    held_messages held;
    unread_tracker tracker;

    void insert(seq_t seq, const std::string& author) {
        const auto message = msg(seq, author);
        held.emplace(seq, message);
        tracker.inserted(message, "me");
    }
    void trim(std::size_t max) {
        std::vector<chat_message> trimmed;
        while (held.size() > max) {
            trimmed.push_back(held.begin()->second);
            held.erase(held.begin());
        }
        tracker.trimmed(trimmed, held, "me");
    }
    bool advance(seq_t seq) { return tracker.advance(seq, held, "me"); }
};

TEST(unread, counts_messages_from_others_after_the_marker) {
    fixture f;
    EXPECT_TRUE(f.advance(2));
    for (const auto& [seq, author] :
         std::map<seq_t, std::string>{{1, "bob"}, {2, "bob"}, {3, "me"}, {4, "bob"}, {5, "cy"}}) {
        f.insert(seq, author);
    }
    EXPECT_EQ(f.tracker.summary(), (unread_summary{2, id_of(4)}));
}

TEST(unread, reading_everything_leaves_no_first_unread) {
    fixture f;
    f.insert(1, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(1)}));
    f.advance(1);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
}

TEST(unread, own_messages_are_never_unread) {
    fixture f;
    f.insert(1, "me");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
}

TEST(unread, the_marker_only_moves_forward) {
    fixture f;
    EXPECT_TRUE(f.advance(5));
    EXPECT_FALSE(f.advance(5));
    EXPECT_FALSE(f.advance(3));
    EXPECT_EQ(f.tracker.read_seq(), 5U);
    EXPECT_TRUE(f.advance(6));
    EXPECT_EQ(f.tracker.read_seq(), 6U);
}

TEST(unread, moving_the_marker_uncounts_what_it_passes_and_moves_the_divider) {
    fixture f;
    f.insert(1, "bob");
    f.insert(2, "me");
    f.insert(3, "me");
    f.insert(4, "bob");
    f.insert(5, "cy");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{3, id_of(1)}));
    f.advance(2);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{2, id_of(4)}));  // past our own 3
    f.advance(4);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(5)}));
    f.advance(100);  // beyond everything held
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
}

TEST(unread, messages_at_or_below_the_marker_never_count) {
    fixture f;
    f.advance(10);
    f.insert(9, "bob");
    f.insert(10, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
    f.insert(11, "bob");
    f.insert(7, "bob");  // an older page below the marker
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(11)}));
}

TEST(unread, an_older_unread_message_moves_the_divider_down) {
    fixture f;
    f.insert(10, "bob");
    f.insert(8, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{2, id_of(8)}));
}

TEST(unread, trimmed_unread_messages_still_count_and_the_divider_moves_to_the_oldest_held) {
    fixture f;
    for (seq_t seq = 1; seq <= 6; ++seq) {
        f.insert(seq, seq == 4 ? "me" : "bob");
    }
    f.advance(1);
    ASSERT_EQ(f.tracker.summary(), (unread_summary{4, id_of(2)}));
    f.trim(2);  // 2, 3 and our 4 go; 5 and 6 stay
    EXPECT_EQ(f.tracker.summary(), (unread_summary{4, id_of(5)}));
}

TEST(unread, trimming_read_or_own_messages_changes_nothing) {
    fixture f;
    f.insert(1, "bob");
    f.insert(2, "me");
    f.insert(3, "bob");
    f.advance(1);
    f.trim(1);  // read 1 and our 2 go
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(3)}));
}

TEST(unread, trimming_everything_unread_keeps_the_count_without_a_divider) {
    fixture f;
    f.insert(1, "bob");
    f.insert(2, "bob");
    f.insert(3, "me");
    f.trim(1);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{2, std::nullopt}));
}

TEST(unread, the_marker_moving_into_trimmed_messages_uncounts_exactly_those_it_passes) {
    fixture f;
    // bob 1-3, our 4, bob 5-7, a hole at 8, bob 9; then all but 9 trimmed.
    for (const seq_t seq : {1, 2, 3, 4, 5, 6, 7, 9}) {
        f.insert(seq, seq == 4 ? "me" : "bob");
    }
    f.trim(1);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{7, id_of(9)}));
    f.advance(2);
    EXPECT_EQ(f.tracker.summary().count, 5U);
    f.advance(5);
    EXPECT_EQ(f.tracker.summary().count, 3U);  // 6, 7 and 9
    f.advance(8);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(9)}));
    f.advance(9);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
}

TEST(unread, a_trimmed_message_brought_back_by_an_older_page_counts_once) {
    fixture f;
    for (seq_t seq = 1; seq <= 5; ++seq) {
        f.insert(seq, "bob");
    }
    f.trim(2);  // 1-3 trimmed, all unread
    EXPECT_EQ(f.tracker.summary(), (unread_summary{5, id_of(4)}));
    f.insert(2, "bob");  // the middle of the trimmed run comes back
    EXPECT_EQ(f.tracker.summary(), (unread_summary{5, id_of(2)}));
    f.insert(1, "bob");
    f.insert(3, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{5, id_of(1)}));
    f.advance(2);  // every run is gone: only held ones were left to uncount
    EXPECT_EQ(f.tracker.summary(), (unread_summary{3, id_of(3)}));
    f.trim(1);
    f.advance(4);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(5)}));
}

TEST(unread, forgetting_the_messages_keeps_the_marker) {
    fixture f;
    f.insert(1, "bob");
    f.insert(2, "bob");
    f.advance(1);
    f.trim(0);
    f.tracker.forget_messages();
    f.held.clear();
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
    EXPECT_EQ(f.tracker.read_seq(), 1U);
    f.insert(3, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(3)}));
}

TEST(unread, a_recount_judges_the_held_messages_for_another_user) {
    fixture f;
    f.insert(1, "me");
    f.insert(2, "bob");
    f.insert(3, "me");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{1, id_of(2)}));
    f.tracker.recount(f.held, "bob");
    EXPECT_EQ(f.tracker.summary(), (unread_summary{2, id_of(1)}));
}

// Checked against a count from scratch all along a long session that trims:
// the marker trails behind, jumps into trimmed ones, and older pages come back.
TEST(unread, stays_exact_over_ten_thousand_messages_trimmed_to_a_hundred) {
    fixture f;
    std::map<seq_t, std::string> authors;  // every message of the room
    std::uint32_t state = 7;
    const auto next = [&state] {
        state = state * 1103515245U + 12345U;
        return (state >> 16U) % 100U;
    };
    const auto expected = [&] {
        std::size_t count = 0;
        for (auto it = authors.upper_bound(f.tracker.read_seq()); it != authors.end(); ++it) {
            count += it->second != "me" ? 1 : 0;
        }
        return count;
    };
    for (seq_t seq = 1; seq <= 10'000; ++seq) {
        const std::string author = next() < 10 ? "me" : "bob";
        authors[seq] = author;
        f.insert(seq, author);
        f.trim(100);
        const auto roll = next();
        if (const seq_t behind = next() * 3; roll < 2 && behind < seq) {
            f.advance(seq - behind);  // into the trimmed ones, or not at all
        } else if (roll < 4 && f.held.begin()->first > 1) {
            // An older page, which the next message trims again.
            for (seq_t back = f.held.begin()->first - 1; back > 0 && f.held.size() < 150; --back) {
                f.insert(back, authors[back]);
            }
        }
        ASSERT_EQ(f.tracker.summary().count, expected()) << "after seq " << seq;
        auto first = f.held.upper_bound(f.tracker.read_seq());
        while (first != f.held.end() && first->second.from.id == "me") {
            ++first;
        }
        ASSERT_EQ(f.tracker.summary().first_unread,
                  first == f.held.end() ? std::nullopt : std::optional<message_id>(first->second.id))
            << "after seq " << seq;
    }
    f.advance(10'000);
    EXPECT_EQ(f.tracker.summary(), (unread_summary{0, std::nullopt}));
}

}  // namespace
}  // namespace roomchat::detail
