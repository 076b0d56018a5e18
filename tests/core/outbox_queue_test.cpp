#include "roomchat/outbox_queue.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_ids.hpp"

namespace roomchat::detail {
namespace {

using test::id_of;

const random_source top_of_range = [](std::uint8_t* data, std::size_t size) {
    std::memset(data, 0xff, size);
};
const backoff_policy resend{1000, 8000, 2, 20};

std::vector<message_id> ids(const std::vector<outbox_work>& work) {
    std::vector<message_id> out;
    for (const auto& w : work) {
        out.push_back(w.id);
    }
    return out;
}

TEST(outbox_queue, new_entries_are_queued_and_due_in_order) {
    outbox_queue q;
    q.add(id_of(1), "a", 100);
    q.add(id_of(2), "b", 150);
    ASSERT_NE(q.find(id_of(1)), nullptr);
    EXPECT_EQ(q.find(id_of(1))->state, delivery_state::queued);
    EXPECT_EQ(q.find(id_of(2))->text, "b");
    EXPECT_EQ(ids(q.due(150, 5, in_flight::many)), (std::vector<message_id>{id_of(1), id_of(2)}));
    EXPECT_EQ(q.first_id(), id_of(1));
    EXPECT_EQ(q.id_after(id_of(1)), id_of(2));
    EXPECT_EQ(q.id_after(id_of(2)), std::nullopt);
    EXPECT_EQ(q.next_deadline(in_flight::many), 100);
}

TEST(outbox_queue, a_waiting_queued_entry_holds_back_the_ones_behind_it) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    q.defer(id_of(1), 500);
    EXPECT_TRUE(q.due(100, 5, in_flight::many).empty());
    EXPECT_EQ(q.next_deadline(in_flight::many), 500);
    EXPECT_EQ(ids(q.due(500, 5, in_flight::many)), (std::vector<message_id>{id_of(1), id_of(2)}));
}

TEST(outbox_queue, sent_entries_resend_after_backoff_and_give_up_at_the_limit) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.sent(id_of(1), 0, resend, top_of_range);
    EXPECT_EQ(q.find(id_of(1))->state, delivery_state::sending);
    EXPECT_EQ(q.find(id_of(1))->attempts, 1U);
    EXPECT_EQ(q.next_deadline(in_flight::many), 1000);
    EXPECT_TRUE(q.due(999, 2, in_flight::many).empty());
    auto work = q.due(1000, 2, in_flight::many);
    ASSERT_EQ(work.size(), 1U);
    EXPECT_FALSE(work[0].give_up);
    q.sent(id_of(1), 1000, resend, top_of_range);
    EXPECT_EQ(q.next_deadline(in_flight::many), 3000);
    work = q.due(3000, 2, in_flight::many);
    ASSERT_EQ(work.size(), 1U);
    EXPECT_TRUE(work[0].give_up);
}

TEST(outbox_queue, sending_entries_do_not_wait_for_queued_ones) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    q.sent(id_of(2), 0, resend, top_of_range);
    q.defer(id_of(1), 5000);
    EXPECT_EQ(q.next_deadline(in_flight::many), 1000);
    EXPECT_EQ(ids(q.due(1000, 5, in_flight::many)), (std::vector<message_id>{id_of(2)}));
}

TEST(outbox_queue, hold_requeues_and_may_refund_the_attempt) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.sent(id_of(1), 0, resend, top_of_range);
    q.hold(id_of(1), 700, true);
    EXPECT_EQ(q.find(id_of(1))->state, delivery_state::queued);
    EXPECT_EQ(q.find(id_of(1))->attempts, 0U);
    EXPECT_EQ(q.next_deadline(in_flight::many), 700);
    q.sent(id_of(1), 700, resend, top_of_range);
    q.hold(id_of(1), 900, false);
    EXPECT_EQ(q.find(id_of(1))->attempts, 1U);
}

TEST(outbox_queue, failed_entries_wait_for_retry) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    EXPECT_FALSE(q.retry(id_of(1), 10));  // only failed entries can be retried
    q.sent(id_of(1), 0, resend, top_of_range);
    q.fail(id_of(1), errc::no_ack);
    EXPECT_EQ(q.find(id_of(1))->failure, errc::no_ack);
    EXPECT_TRUE(q.due(1'000'000, 5, in_flight::many).empty());
    EXPECT_EQ(q.next_deadline(in_flight::many), std::nullopt);
    EXPECT_TRUE(q.retry(id_of(1), 2000));
    const auto* entry = q.find(id_of(1));
    EXPECT_EQ(entry->state, delivery_state::queued);
    EXPECT_EQ(entry->attempts, 0U);
    EXPECT_EQ(entry->failure, std::nullopt);
    EXPECT_EQ(q.next_deadline(in_flight::many), 2000);
}

TEST(outbox_queue, requeue_in_flight_moves_sending_entries_back) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    q.add(id_of(3), "c", 0);
    q.sent(id_of(1), 0, resend, top_of_range);
    q.sent(id_of(2), 0, resend, top_of_range);
    q.sent(id_of(2), 10, resend, top_of_range);
    q.fail(id_of(1), errc::id_conflict);
    EXPECT_EQ(q.requeue_in_flight(), (std::vector<message_id>{id_of(2)}));
    EXPECT_EQ(q.find(id_of(1))->state, delivery_state::failed);
    EXPECT_EQ(q.find(id_of(2))->state, delivery_state::queued);
    EXPECT_EQ(q.find(id_of(2))->attempts, 1U);  // the interrupted attempt does not count
    EXPECT_EQ(ids(q.due(0, 5, in_flight::many)), (std::vector<message_id>{id_of(2), id_of(3)}));
}

TEST(outbox_queue, take_removes_the_entry) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    const auto taken = q.take(id_of(1));
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->text, "a");
    EXPECT_FALSE(q.take(id_of(1)));
    EXPECT_EQ(q.find(id_of(1)), nullptr);
    EXPECT_EQ(q.entries().size(), 1U);
    EXPECT_EQ(q.first_id(), id_of(2));
}

TEST(outbox_queue, one_at_a_time_sends_the_next_entry_once_the_one_out_is_settled) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    q.add(id_of(3), "c", 0);
    EXPECT_EQ(ids(q.due(0, 5, in_flight::one)), (std::vector<message_id>{id_of(1)}));
    q.sent(id_of(1), 0, resend, top_of_range);
    // Out: only its resend is due, and the queue behind it does not count.
    EXPECT_TRUE(q.due(999, 5, in_flight::one).empty());
    EXPECT_EQ(q.next_deadline(in_flight::one), 1000);
    EXPECT_EQ(q.next_deadline(in_flight::many), 0);
    EXPECT_EQ(ids(q.due(1000, 5, in_flight::one)), (std::vector<message_id>{id_of(1)}));
    q.take(id_of(1));  // acknowledged
    EXPECT_EQ(q.next_deadline(in_flight::one), 0);
    EXPECT_EQ(ids(q.due(1000, 5, in_flight::one)), (std::vector<message_id>{id_of(2)}));
}

TEST(outbox_queue, one_at_a_time_moves_on_when_the_entry_out_gives_up_or_is_held) {
    outbox_queue q;
    q.add(id_of(1), "a", 0);
    q.add(id_of(2), "b", 0);
    q.sent(id_of(1), 0, resend, top_of_range);
    // Its last attempt unanswered: it is given up now, and the next goes.
    auto work = q.due(1000, 1, in_flight::one);
    ASSERT_EQ(ids(work), (std::vector<message_id>{id_of(1), id_of(2)}));
    EXPECT_TRUE(work[0].give_up);
    // Held back by the relay (a retryable refusal): the ones behind wait too.
    q.hold(id_of(1), 4000, false);
    EXPECT_TRUE(q.due(3999, 5, in_flight::one).empty());
    EXPECT_EQ(q.next_deadline(in_flight::one), 4000);
    EXPECT_EQ(ids(q.due(4000, 5, in_flight::one)), (std::vector<message_id>{id_of(1)}));
    // Failed: no longer in the way.
    q.fail(id_of(1), errc::id_conflict);
    EXPECT_EQ(ids(q.due(4000, 5, in_flight::one)), (std::vector<message_id>{id_of(2)}));
}

}  // namespace
}  // namespace roomchat::detail
