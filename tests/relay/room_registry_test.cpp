#include "room_registry.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "clock.hpp"
#include "hub_harness.hpp"

namespace roomchat::relay {
namespace {

using relay_test::counting_random;

constexpr std::size_t max_rooms = 2;

class room_registry_test : public ::testing::Test {
protected:
    explicit room_registry_test(std::chrono::milliseconds idle_ttl = std::chrono::milliseconds(1))
        : store_(room_config{}, {10, 500}, counting_random()),
          rooms_(io_, room_config{}, max_rooms, idle_ttl, store_) {}

    // Runs every timer due within a short while (the idle drop is 1 ms).
    void settle() {
        io_.restart();
        io_.run_for(std::chrono::milliseconds(100));
    }
    room& open(const std::string& id) {
        auto opened = rooms_.open(id);
        EXPECT_TRUE(opened) << id;
        return **opened;
    }

    // The epoch of the room's log in the store; empty when the store holds none.
    std::string epoch_of(const std::string& id) const {
        const room_log* log = store_.find(id);
        return log == nullptr ? std::string() : log->epoch();
    }

    boost::asio::io_context io_;
    store::memory_store store_;
    room_registry rooms_;
    const millis now_ = now_millis() - 60'000;
};

class room_registry_keeping_idle_rooms_test : public room_registry_test {
protected:
    room_registry_keeping_idle_rooms_test() : room_registry_test(std::chrono::minutes(10)) {}
};

TEST_F(room_registry_test, open_creates_a_room_once_in_a_new_epoch) {
    EXPECT_EQ(rooms_.find("lobby"), nullptr);
    room& first = open("lobby");
    EXPECT_EQ(first.id(), "lobby");
    EXPECT_EQ(epoch_of("lobby"), "0000000000000001");
    EXPECT_EQ(&open("lobby"), &first);
    EXPECT_EQ(rooms_.find("lobby"), &first);
    open("movie");
    EXPECT_EQ(epoch_of("movie"), "0000000000000002");
    EXPECT_EQ(rooms_.size(), 2U);
}

TEST_F(room_registry_test, empty_room_is_dropped_after_the_idle_time_and_comes_back_in_a_new_epoch) {
    open("lobby");
    rooms_.release("lobby");
    settle();
    EXPECT_EQ(rooms_.size(), 0U);
    EXPECT_EQ(rooms_.find("lobby"), nullptr);
    EXPECT_EQ(epoch_of("lobby"), "") << "its log went with it";
    open("lobby");
    EXPECT_EQ(epoch_of("lobby"), "0000000000000002");
}

TEST_F(room_registry_test, opening_again_cancels_the_pending_drop) {
    open("lobby");
    rooms_.release("lobby");
    open("lobby");
    settle();
    EXPECT_NE(rooms_.find("lobby"), nullptr);
}

TEST_F(room_registry_test, room_with_members_is_not_dropped) {
    room& lobby = open("lobby");
    lobby.join(1, {"ann", "Ann"}, log_view{}, now_);
    rooms_.release("lobby");
    rooms_.release("unknown");  // nothing to release
    settle();
    EXPECT_EQ(rooms_.find("lobby"), &lobby);
}

TEST_F(room_registry_test, stale_drop_timer_does_not_drop_a_room_that_got_members) {
    room& lobby = open("lobby");
    rooms_.release("lobby");
    // A member joins without a new open (the hub always opens first; this is the registry's own guard).
    lobby.join(1, {"ann", "Ann"}, log_view{}, now_);
    settle();
    EXPECT_EQ(rooms_.find("lobby"), &lobby);
}

TEST_F(room_registry_test, cancelled_timers_drop_nothing) {
    open("lobby");
    rooms_.release("lobby");
    rooms_.cancel_timers();
    settle();
    EXPECT_NE(rooms_.find("lobby"), nullptr);
}

TEST_F(room_registry_keeping_idle_rooms_test, at_the_cap_the_room_idle_longest_makes_way) {
    open("a");
    open("b");
    rooms_.release("a");
    rooms_.release("b");
    open("c");  // over max_rooms: "a" was released first
    EXPECT_EQ(rooms_.size(), max_rooms);
    EXPECT_EQ(rooms_.find("a"), nullptr);
    EXPECT_NE(rooms_.find("b"), nullptr);
    open("b");  // no longer idle
    room& c = open("c");
    c.join(1, {"ann", "Ann"}, log_view{}, now_);
    room& b = *rooms_.find("b");
    b.join(2, {"bob", "Bob"}, log_view{}, now_);
    const auto full = rooms_.open("d");
    ASSERT_FALSE(full);
    EXPECT_EQ(full.error(), errc::room_full);
    EXPECT_EQ(rooms_.size(), max_rooms);
}

TEST_F(room_registry_keeping_idle_rooms_test, scheduled_room_is_handed_to_on_due_when_its_deadline_comes) {
    std::vector<std::string> due;
    rooms_.on_due([&](room& chat, millis) { due.push_back(chat.id()); });
    room& lobby = open("lobby");
    rooms_.schedule(lobby);  // no deadline yet: nothing to arm
    settle();
    EXPECT_TRUE(due.empty());
    lobby.join(1, {"ann", "Ann"}, log_view{}, now_);
    ASSERT_TRUE(lobby.next_deadline());
    rooms_.schedule(lobby);
    settle();
    EXPECT_EQ(due, std::vector<std::string>{"lobby"});
}

}  // namespace
}  // namespace roomchat::relay
