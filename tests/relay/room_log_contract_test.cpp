// The contract of a room's log (roomchat/room_log.hpp), held against both
// backends: the in-memory room_log a relay keeps on its own, and the Redis
// one relays share (store/redis_log.hpp and its Lua scripts, against Debian's
// redis-server). Every scenario runs on each; then a seeded run drives both
// with the same thousands of steps, clock skew included, and compares every
// answer byte for byte.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "roomchat/codec.hpp"
#include "roomchat/room_log.hpp"
#include "roomchat/text_rules.hpp"

#include "redis_client.hpp"
#include "redis_log.hpp"
#include "redis_loop.hpp"
#include "redis_server.hpp"

namespace roomchat::relay_test {
namespace {

using namespace std::chrono_literals;

// Sixteen bytes per call from a counter: every backend draws the same epochs.
random_source counting_random() {
    auto next = std::make_shared<std::uint8_t>(0);
    return [next](std::uint8_t* data, std::size_t size) {
        for (std::size_t i = 0; i < size; ++i) data[i] = (*next)++;
    };
}

// Small limits, so a few dozen steps reach every one of them.
room_config small_config() {
    room_config config;
    config.rate = {3, 500};
    config.history = {20, 2'000};
    config.dedupe_capacity = 25;
    config.page_size = 7;
    config.max_page_size = 9;
    return config;
}

constexpr rate_limit_config across_rooms{5, 300};

// One backend as the tests drive it: every answer synchronous.
class backend {
public:
    virtual ~backend() = default;
    virtual result<send_decision> accept(const std::string& room, const send_attempt& attempt) = 0;
    virtual result<log_view> view(const std::string& room, const std::string& user,
                                  const join_frame& request) = 0;
    virtual result<history_frame> query(const std::string& room, std::optional<seq_t> before,
                                        std::optional<seq_t> after, std::uint32_t limit) = 0;
    virtual result<std::optional<seq_t>> mark_read(const std::string& room, const std::string& user,
                                                   seq_t seq) = 0;
    virtual result<millis> mute(const std::string& room, const std::string& user, millis until,
                                millis now) = 0;
};

class memory_backend : public backend {
public:
    explicit memory_backend(room_config config = small_config(), rate_limit_config across = across_rooms)
        : config_(config), user_sends_(across), random_(counting_random()) {}

    result<send_decision> accept(const std::string& room, const send_attempt& attempt) override {
        return log(room).accept(attempt);
    }
    result<log_view> view(const std::string& room, const std::string& user,
                          const join_frame& request) override {
        return log(room).view(user, request);
    }
    // As the relay answers for a room it does not hold: an empty page without epoch.
    result<history_frame> query(const std::string& room, std::optional<seq_t> before,
                                std::optional<seq_t> after, std::uint32_t limit) override {
        const auto held = logs_.find(room);
        if (held == logs_.end()) return page_frame(room, std::nullopt, page_mode(before, after), {});
        return held->second.query(before, after, limit);
    }
    result<std::optional<seq_t>> mark_read(const std::string& room, const std::string& user,
                                           seq_t seq) override {
        const auto held = logs_.find(room);
        if (held == logs_.end()) return std::optional<seq_t>();
        return held->second.mark_read(user, seq);
    }
    result<millis> mute(const std::string& room, const std::string& user, millis until, millis now) override {
        log(room).mute(user, until, now);
        return until;
    }

private:
    room_log& log(const std::string& room) {
        auto held = logs_.find(room);
        if (held == logs_.end()) {
            held = logs_.try_emplace(room, room, generate_epoch(random_), config_, &user_sends_).first;
        }
        return held->second;
    }

    room_config config_;
    rate_table user_sends_;
    random_source random_;
    std::map<std::string, room_log> logs_;
};

class redis_backend : public backend {
public:
    explicit redis_backend(room_config config = small_config(), rate_limit_config across = across_rooms)
        : client_(io_, client_config_for(server_), counting_random()),
          log_(client_, config, across, counting_random()) {
        EXPECT_TRUE(client_.start());
        EXPECT_TRUE(run_until([&] { return client_.connected(); }));
    }

    result<send_decision> accept(const std::string& room, const send_attempt& attempt) override {
        return answer<send_decision>([&](auto done) { log_.accept(room, attempt, done); });
    }
    result<log_view> view(const std::string& room, const std::string& user,
                          const join_frame& request) override {
        return answer<log_view>([&](auto done) { log_.view(room, user, request, done); });
    }
    result<history_frame> query(const std::string& room, std::optional<seq_t> before,
                                std::optional<seq_t> after, std::uint32_t limit) override {
        auto got =
            answer<relay::store::log_page>([&](auto done) { log_.query(room, before, after, limit, done); });
        if (!got) return got.error();
        return std::move(got->page);
    }
    result<std::optional<seq_t>> mark_read(const std::string& room, const std::string& user,
                                           seq_t seq) override {
        return answer<std::optional<seq_t>>([&](auto done) { log_.mark_read(room, user, seq, done); });
    }
    result<millis> mute(const std::string& room, const std::string& user, millis until, millis now) override {
        return answer<millis>([&](auto done) { log_.mute(room, user, until, now, done); });
    }

    redis_server& server() { return server_; }
    relay::redis::client& client() { return client_; }

    template <class Done>
    bool run_until(Done done, std::chrono::milliseconds limit = 10s) {
        return run_io_until(io_, done, limit);
    }

private:
    template <class T, class Call>
    result<T> answer(Call call) {
        std::optional<result<T>> got;
        call([&](result<T> value) { got.emplace(std::move(value)); });
        if (!run_until([&] { return got.has_value(); })) return errc::going_away;  // no answer at all: a bug
        return std::move(*got);
    }

    redis_server server_;
    boost::asio::io_context io_;
    relay::redis::client client_;
    relay::store::redis_log log_;
};

const user_info ann{"ann", "Ann"};
const user_info bob{"bob", "Bob"};

message_id id_of(std::uint64_t n) {
    std::array<std::uint8_t, message_id::size_bytes> bytes{};
    for (std::size_t i = 0; i < 8; ++i)
        bytes[message_id::size_bytes - 1 - i] = static_cast<std::uint8_t>(n >> (8 * i));
    return message_id(bytes);
}

send_attempt attempt(const user_info& user, std::uint64_t id, std::string_view text, millis now) {
    send_attempt made;
    made.user = user;
    made.id = id_of(id);
    made.text = normalize_text(text);
    made.now = now;
    return made;
}

template <class B>
class room_log_contract : public ::testing::Test {
protected:
    send_decision accept(const send_attempt& a, const std::string& room = "lobby") {
        auto got = backend_.accept(room, a);
        EXPECT_TRUE(got) << to_string(got.error());
        return got ? *got : send_decision{};
    }
    log_view view(const std::string& user, const join_frame& request, const std::string& room = "lobby") {
        auto got = backend_.view(room, user, request);
        EXPECT_TRUE(got) << to_string(got.error());
        return got ? *got : log_view{};
    }
    history_frame query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit,
                        const std::string& room = "lobby") {
        auto got = backend_.query(room, before, after, limit);
        EXPECT_TRUE(got) << to_string(got.error());
        return got ? *got : history_frame{};
    }
    std::optional<seq_t> mark_read(const std::string& user, seq_t seq) {
        auto got = backend_.mark_read("lobby", user, seq);
        EXPECT_TRUE(got) << to_string(got.error());
        return got ? *got : std::nullopt;
    }
    // Messages 1..n from ann, a second apart from t = 0, within the rate limit.
    void fill(int n) {
        for (int i = 1; i <= n; ++i) {
            ASSERT_TRUE(accept(attempt(ann, 1000 + i, "m" + std::to_string(i), i * 1'000)).message);
        }
    }

    B backend_;
};

std::vector<seq_t> seqs(const history_frame& page) {
    std::vector<seq_t> out;
    for (const auto& m : page.messages) out.push_back(m.seq);
    return out;
}

using backends = ::testing::Types<memory_backend, redis_backend>;
class backend_names {
public:
    template <class T>
    static std::string GetName(int) {
        return std::is_same_v<T, memory_backend> ? "memory" : "redis";
    }
};
TYPED_TEST_SUITE(room_log_contract, backends, backend_names);

TYPED_TEST(room_log_contract, accepts_in_sequence_and_a_resend_gets_the_original_ack) {
    const send_decision first = this->accept(attempt(ann, 1, "  hello  ", 100));
    ASSERT_TRUE(first.outcome.ack);
    EXPECT_EQ(first.outcome.ack->seq, 1u);
    EXPECT_EQ(first.outcome.ack->ts, 100);
    EXPECT_FALSE(first.outcome.duplicate);
    ASSERT_TRUE(first.message);
    EXPECT_EQ(first.message->text, "hello");
    EXPECT_EQ(first.message->from, ann);

    const send_decision second = this->accept(attempt(bob, 2, "hi", 200));
    ASSERT_TRUE(second.outcome.ack);
    EXPECT_EQ(second.outcome.ack->seq, 2u);
    EXPECT_EQ(second.outcome.ack->epoch, first.outcome.ack->epoch);

    // A resend, even with text that would now be refused: the original ack.
    const send_decision again = this->accept(attempt(ann, 1, "", 5'000));
    ASSERT_TRUE(again.outcome.ack);
    EXPECT_TRUE(again.outcome.duplicate);
    EXPECT_EQ(again.outcome.ack->seq, 1u);
    EXPECT_EQ(again.outcome.ack->ts, 100);
    EXPECT_FALSE(again.message);

    const send_decision stolen = this->accept(attempt(bob, 1, "mine", 5'000));
    ASSERT_TRUE(stolen.outcome.nack);
    EXPECT_EQ(stolen.outcome.nack->code, errc::id_conflict);
    EXPECT_EQ(seqs(this->query(std::nullopt, std::nullopt, 10)), (std::vector<seq_t>{1, 2}));
}

TYPED_TEST(room_log_contract, a_refused_text_spends_no_token_and_keeps_no_seq) {
    const send_decision refused = this->accept(attempt(ann, 1, " \n ", 0));
    ASSERT_TRUE(refused.outcome.nack);
    EXPECT_EQ(refused.outcome.nack->code, errc::empty_text);
    EXPECT_FALSE(refused.outcome.nack->retry_after_ms);
    for (std::uint64_t id = 2; id <= 4; ++id) EXPECT_TRUE(this->accept(attempt(ann, id, "ok", 0)).message);
    EXPECT_EQ(this->query(std::nullopt, std::nullopt, 10).messages.back().seq, 3u);
}

TYPED_TEST(room_log_contract, the_rate_limit_says_when_and_takes_nothing_from_a_refusal) {
    for (std::uint64_t id = 1; id <= 3; ++id) EXPECT_TRUE(this->accept(attempt(ann, id, "x", 0)).message);
    const send_decision limited = this->accept(attempt(ann, 4, "x", 100));
    ASSERT_TRUE(limited.outcome.nack);
    EXPECT_EQ(limited.outcome.nack->code, errc::rate_limited);
    EXPECT_EQ(limited.outcome.nack->retry_after_ms, 400u) << "one token per 500 ms";
    EXPECT_TRUE(this->accept(attempt(bob, 5, "x", 100)).message) << "another user has a bucket of their own";
    EXPECT_TRUE(this->accept(attempt(ann, 4, "x", 500)).message);

    // Held back by an earlier refused send: at least that wait.
    send_attempt held = attempt(ann, 6, "x", 5'000);
    held.held_wait_ms = 700;
    const send_decision behind = this->accept(held);
    ASSERT_TRUE(behind.outcome.nack);
    EXPECT_EQ(behind.outcome.nack->retry_after_ms, 700u);

    // The host's backend is held back by nothing.
    send_attempt system = attempt(ann, 7, "Ann paused", 500);
    system.system = true;
    for (std::uint64_t id = 8; id <= 12; ++id) {
        system.id = id_of(id);
        const send_decision spoken = this->accept(system);
        ASSERT_TRUE(spoken.message);
        EXPECT_TRUE(spoken.message->system);
    }
}

TYPED_TEST(room_log_contract, a_mute_refuses_the_users_sends_until_it_ends_or_is_lifted) {
    ASSERT_TRUE(this->accept(attempt(ann, 1, "before", 0)).message);
    const auto muted_until = this->backend_.mute("lobby", "ann", 60'000, 1'000);
    ASSERT_TRUE(muted_until);
    EXPECT_EQ(*muted_until, 60'000);
    const send_decision muted = this->accept(attempt(ann, 2, "x", 10'000));
    ASSERT_TRUE(muted.outcome.nack);
    EXPECT_EQ(muted.outcome.nack->code, errc::muted);
    EXPECT_EQ(muted.outcome.nack->retry_after_ms, 50'000u);
    EXPECT_EQ(this->accept(attempt(ann, 3, " ", 10'000)).outcome.nack->code, errc::empty_text)
        << "text first";
    EXPECT_TRUE(this->accept(attempt(ann, 1, "before", 10'000)).outcome.duplicate) << "a resend still acked";
    EXPECT_TRUE(this->accept(attempt(bob, 4, "bob", 10'000)).message);
    send_attempt system = attempt(ann, 5, "Ann paused", 10'000);
    system.system = true;
    EXPECT_TRUE(this->accept(system).message) << "the host's backend is never muted";
    EXPECT_TRUE(this->accept(attempt(ann, 6, "x", 60'000)).message) << "it ended";

    ASSERT_TRUE(this->backend_.mute("lobby", "ann", 200'000, 70'000));
    EXPECT_EQ(this->accept(attempt(ann, 7, "x", 80'000)).outcome.nack->code, errc::muted);
    const join_frame fresh{"lobby", std::nullopt, std::nullopt};
    EXPECT_EQ(this->view("ann", fresh).muted_until, 200'000) << "a join learns of its user's mute";
    EXPECT_EQ(this->view("bob", fresh).muted_until, 0);
    const auto lifted = this->backend_.mute("lobby", "ann", 0, 90'000);
    ASSERT_TRUE(lifted);
    EXPECT_EQ(*lifted, 0);
    EXPECT_EQ(this->view("ann", fresh).muted_until, 0);
    EXPECT_TRUE(this->accept(attempt(ann, 8, "x", 90'000)).message) << "lifted";
}

TYPED_TEST(room_log_contract, a_removal_leaves_a_tombstone_and_is_refused_what_it_may_not_remove) {
    this->fill(3);
    const auto removal = [](const user_info& user, std::uint64_t id, seq_t target, millis now,
                            bool moderator = false) {
        send_attempt made = attempt(user, id, "", now);
        made.text = std::string();
        made.removes = target;
        made.moderator = moderator;
        return made;
    };
    EXPECT_EQ(this->accept(removal(bob, 1, 2, 10'000)).outcome.nack->code, errc::not_moderator);
    EXPECT_EQ(this->accept(removal(ann, 2, 9, 10'000)).outcome.nack->code, errc::no_such_message);
    const send_decision taken = this->accept(removal(ann, 3, 2, 10'000));
    ASSERT_TRUE(taken.message);
    EXPECT_EQ(taken.message->seq, 4u);
    EXPECT_EQ(taken.message->removes, std::optional<seq_t>(2));
    EXPECT_TRUE(this->accept(removal(ann, 3, 2, 11'000)).outcome.duplicate);
    EXPECT_EQ(this->accept(removal(bob, 4, 2, 12'000, true)).outcome.nack->code, errc::no_such_message)
        << "removed already";
    EXPECT_EQ(this->accept(removal(bob, 5, 4, 12'000, true)).outcome.nack->code, errc::no_such_message)
        << "a removal is no message";
    ASSERT_TRUE(this->accept(removal(bob, 6, 3, 13'000, true)).message) << "a moderator removes anyone's";

    const history_frame page = this->query(std::nullopt, std::nullopt, 9);
    ASSERT_EQ(seqs(page), (std::vector<seq_t>{1, 2, 3, 4, 5}));
    EXPECT_FALSE(page.messages[0].removed);
    EXPECT_EQ(page.messages[0].text, "m1");
    EXPECT_TRUE(page.messages[1].removed);
    EXPECT_EQ(page.messages[1].text, "") << "the text is gone from every page";
    EXPECT_EQ(page.messages[1].from, ann);
    EXPECT_TRUE(page.messages[2].removed);
    EXPECT_EQ(page.messages[4].removes, std::optional<seq_t>(3));
    const log_view joined = this->view("cat", join_frame{"lobby", seq_t{1}, std::nullopt});
    ASSERT_EQ(seqs(joined.history), (std::vector<seq_t>{2, 3, 4, 5}));
    EXPECT_TRUE(joined.history.messages[0].removed);
}

TYPED_TEST(room_log_contract, reactions_add_once_take_back_and_show_in_pages) {
    this->fill(2);
    const auto react = [](const user_info& user, std::uint64_t id, seq_t to, std::string emoji, bool add,
                          millis now) {
        send_attempt made = attempt(user, id, "", now);
        made.text = std::string();
        made.reaction = reaction_change{to, std::move(emoji), add};
        return made;
    };
    EXPECT_EQ(this->accept(react(bob, 1, 9, "👍", true, 10'000)).outcome.nack->code, errc::no_such_message);
    ASSERT_TRUE(this->accept(react(bob, 2, 1, "😂", true, 10'000)).message);
    ASSERT_TRUE(this->accept(react(ann, 3, 1, "😂", true, 11'000)).message);
    ASSERT_TRUE(this->accept(react(bob, 4, 1, "😂", true, 12'000)).message) << "given already: accepted";
    ASSERT_TRUE(this->accept(react(bob, 5, 1, "🎉", true, 13'000)).message);
    EXPECT_TRUE(this->accept(react(bob, 5, 1, "🎉", true, 14'000)).outcome.duplicate);
    EXPECT_EQ(this->accept(react(bob, 6, 3, "👍", true, 14'000)).outcome.nack->code, errc::no_such_message)
        << "a reaction is no message";
    ASSERT_TRUE(this->accept(react(ann, 7, 1, "😂", false, 15'000)).message);
    ASSERT_TRUE(this->accept(react(bob, 8, 1, "🎉", false, 16'000)).message);
    ASSERT_TRUE(this->accept(react(ann, 9, 2, "❤️", true, 17'000)).message);
    ASSERT_TRUE(this->accept(react(ann, 10, 2, "❤️", false, 18'000)).message)
        << "a message left with none";

    const history_frame page = this->query(3, std::nullopt, 9);
    ASSERT_EQ(seqs(page), (std::vector<seq_t>{1, 2}));
    const chat_message& one = page.messages[0];
    ASSERT_EQ(one.reactions.size(), 1u);
    EXPECT_EQ(one.reactions[0].emoji, "😂");
    EXPECT_EQ(one.reactions[0].users, std::vector<user_info>{bob});
    EXPECT_EQ(one.reactions_seq, 8u);
    EXPECT_TRUE(page.messages[1].reactions.empty());
    EXPECT_EQ(page.messages[1].reactions_seq, 10u);
}

TYPED_TEST(room_log_contract, a_users_allowance_across_rooms_is_shared_by_every_room) {
    // 5 across rooms, 3 per room: the sixth send in a third room waits.
    for (std::uint64_t id = 1; id <= 5; ++id) {
        EXPECT_TRUE(this->accept(attempt(ann, id, "x", 0), id <= 3 ? "a" : "b").message);
    }
    const send_decision limited = this->accept(attempt(ann, 6, "x", 0), "c");
    ASSERT_TRUE(limited.outcome.nack);
    EXPECT_EQ(limited.outcome.nack->code, errc::rate_limited);
    EXPECT_EQ(limited.outcome.nack->retry_after_ms, 300u);
    EXPECT_TRUE(this->accept(attempt(ann, 6, "x", 300), "c").message);
}

TYPED_TEST(room_log_contract, the_history_keeps_the_newest_within_count_and_bytes) {
    this->fill(25);
    const history_frame all = this->query(std::nullopt, std::nullopt, 50);
    EXPECT_EQ(seqs(all).size(), 9u) << "a page holds at most max_page_size";
    EXPECT_TRUE(all.has_more);
    const history_frame oldest = this->query(7, std::nullopt, 50);
    EXPECT_EQ(seqs(oldest), (std::vector<seq_t>{6}));
    EXPECT_FALSE(oldest.has_more) << "20 held: 6..25";

    // 1,570 bytes (1,500 of text) leave room for five of 73...
    std::string euros;
    for (int i = 0; i < 500; ++i) euros += "\u20ac";
    EXPECT_TRUE(this->accept(attempt(bob, 1, euros, 100'000)).message);
    EXPECT_EQ(seqs(this->query(std::nullopt, std::nullopt, 50)),
              (std::vector<seq_t>{21, 22, 23, 24, 25, 26}));
    // ...and 2,000 bytes all of them; the newest always stays, even alone over the cap.
    std::string faces;
    for (int i = 0; i < 500; ++i) faces += "\U0001F600";
    EXPECT_TRUE(this->accept(attempt(bob, 2, faces, 200'000)).message);
    EXPECT_EQ(seqs(this->query(std::nullopt, std::nullopt, 50)), (std::vector<seq_t>{27}));
}

TYPED_TEST(room_log_contract, pages_before_after_and_latest) {
    this->fill(12);
    const history_frame latest = this->query(std::nullopt, std::nullopt, 4);
    EXPECT_EQ(latest.mode, history_mode::latest);
    EXPECT_EQ(seqs(latest), (std::vector<seq_t>{9, 10, 11, 12}));
    EXPECT_TRUE(latest.has_more);
    EXPECT_EQ(latest.epoch, this->view("ann", {}).epoch);

    const history_frame before = this->query(9, std::nullopt, 3);
    EXPECT_EQ(before.mode, history_mode::before);
    EXPECT_EQ(seqs(before), (std::vector<seq_t>{6, 7, 8}));
    EXPECT_TRUE(before.has_more);
    EXPECT_EQ(seqs(this->query(3, std::nullopt, 5)), (std::vector<seq_t>{1, 2}));
    EXPECT_FALSE(this->query(3, std::nullopt, 5).has_more);
    EXPECT_EQ(seqs(this->query(std::uint64_t{1} << 63, std::nullopt, 2)), (std::vector<seq_t>{11, 12}));

    const history_frame after = this->query(std::nullopt, 10, 5);
    EXPECT_EQ(after.mode, history_mode::after);
    EXPECT_EQ(seqs(after), (std::vector<seq_t>{11, 12}));
    EXPECT_FALSE(after.truncated);
    EXPECT_TRUE(this->query(std::nullopt, 12, 5).messages.empty());
    EXPECT_TRUE(this->query(std::nullopt, ~std::uint64_t{0}, 5).messages.empty());
    EXPECT_TRUE(this->query(std::nullopt, std::nullopt, 0).has_more) << "a page of none, and more held";

    const history_frame elsewhere = this->query(std::nullopt, std::nullopt, 5, "nowhere");
    EXPECT_FALSE(elsewhere.epoch) << "a room nobody holds";
    EXPECT_TRUE(elsewhere.messages.empty());
}

TYPED_TEST(room_log_contract, a_join_gets_the_page_its_position_asks_for) {
    const log_view fresh = this->view("ann", {});
    EXPECT_EQ(fresh.latest_seq, 0u);
    EXPECT_EQ(fresh.history.mode, history_mode::latest);
    EXPECT_TRUE(fresh.history.messages.empty());
    this->fill(25);

    const log_view latest = this->view("ann", {});
    EXPECT_EQ(latest.epoch, fresh.epoch) << "the room kept its epoch";
    EXPECT_EQ(latest.latest_seq, 25u);
    EXPECT_EQ(seqs(latest.history), (std::vector<seq_t>{19, 20, 21, 22, 23, 24, 25}));
    EXPECT_TRUE(latest.history.has_more);

    join_frame resume;
    resume.since = 21;
    resume.epoch = fresh.epoch;
    const log_view gap = this->view("ann", resume);
    EXPECT_EQ(gap.history.mode, history_mode::after);
    EXPECT_EQ(seqs(gap.history), (std::vector<seq_t>{22, 23, 24, 25}));
    EXPECT_FALSE(gap.history.truncated);

    resume.since = 2;  // fell out of the history (6..25 held)
    const log_view lost = this->view("ann", resume);
    EXPECT_TRUE(lost.history.truncated);
    EXPECT_EQ(seqs(lost.history), seqs(latest.history));

    resume.since = 21;
    resume.epoch = "another-life";
    EXPECT_TRUE(this->view("ann", resume).history.truncated) << "seqs of another epoch mean nothing here";
    resume.epoch.reset();
    EXPECT_FALSE(this->view("ann", resume).history.truncated) << "no epoch named: 21 is within 25";
    resume.since = 26;
    EXPECT_TRUE(this->view("ann", resume).history.truncated) << "no epoch named: 26 is beyond the room";
}

TYPED_TEST(room_log_contract, read_markers_move_forward_only_and_never_past_the_room) {
    EXPECT_EQ(this->mark_read("ann", 3), std::nullopt) << "an empty room has nothing to read";
    this->fill(5);
    EXPECT_EQ(this->mark_read("ann", 3), std::optional<seq_t>(3));
    EXPECT_EQ(this->mark_read("ann", 2), std::nullopt);
    EXPECT_EQ(this->mark_read("ann", 3), std::nullopt);
    EXPECT_EQ(this->mark_read("ann", 99), std::optional<seq_t>(5));
    EXPECT_EQ(this->view("ann", {}).read_seq, 5u);
    EXPECT_EQ(this->view("bob", {}).read_seq, 0u);
}

// The seeded run: both backends, the same steps, every answer compared as
// the codec writes it, with each backend's epochs named by their order of
// appearance (the two draw theirs at different moments).
class epoch_names {
public:
    std::string operator()(const std::string& epoch) {
        const auto [it, added] = names_.try_emplace(epoch, "epoch-" + std::to_string(names_.size()));
        return it->second;
    }

private:
    std::map<std::string, std::string> names_;
};

template <class T>
std::string written(const result<T>& got, epoch_names& names);

std::string written(const result<send_decision>& got, epoch_names& names) {
    if (!got) return std::string("error ") + std::string(to_string(got.error()));
    send_decision decision = *got;
    std::string out = decision.outcome.duplicate ? "duplicate " : "";
    if (decision.outcome.ack) {
        decision.outcome.ack->epoch = names(decision.outcome.ack->epoch);
        out += encode(server_frame{*decision.outcome.ack});
    }
    if (decision.outcome.nack) out += encode(server_frame{*decision.outcome.nack});
    if (decision.message) out += " " + encode(server_frame{message_frame{"", *decision.message}});
    return out;
}

std::string written(const result<log_view>& got, epoch_names& names) {
    if (!got) return std::string("error ") + std::string(to_string(got.error()));
    history_frame page = got->history;
    if (page.epoch) page.epoch = names(*page.epoch);
    return names(got->epoch) + " latest " + std::to_string(got->latest_seq) + " read " +
           std::to_string(got->read_seq) + " muted " + std::to_string(got->muted_until) + " " +
           encode(server_frame{page});
}

std::string written(const result<history_frame>& got, epoch_names& names) {
    if (!got) return std::string("error ") + std::string(to_string(got.error()));
    history_frame page = *got;
    if (page.epoch) page.epoch = names(*page.epoch);
    return encode(server_frame{page});
}

std::string written(const result<std::optional<seq_t>>& got, epoch_names&) {
    if (!got) return std::string("error ") + std::string(to_string(got.error()));
    return *got ? "moved to " + std::to_string(**got) : "unmoved";
}

TEST(room_log_contract_seeded, both_backends_answer_thousands_of_steps_alike) {
    // Refill intervals that divide nothing evenly, so every rounding shows.
    room_config config = small_config();
    config.rate = {3, 777};
    const rate_limit_config across{5, 333};
    memory_backend memory(config, across);
    redis_backend redis(config, across);
    epoch_names memory_epochs;
    epoch_names redis_epochs;
    std::mt19937_64 rng(20261201);
    const auto pick = [&](std::uint64_t n) {
        return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng);
    };
    const std::vector<user_info> users = {ann, bob, {"cat", "Cat"}, {"dan", "Dan"}};
    const std::vector<std::string> rooms = {"lobby", "film", "quiet"};
    const std::vector<std::string> texts = {"hi",         "  spaced  ", "", std::string(300, 'x'),
                                            "two\nlines", "\x01"};
    millis now = 1'764'547'200'000;
    // What the steps must reach for the comparison to mean something.
    std::map<std::string, int> reached = {
        {"rate_limited", 0},    {"id_conflict", 0},       {"duplicate", 0},     {"\"truncated\":true", 0},
        {"empty_text", 0},      {"control_character", 0}, {"unmoved", 0},       {"\"has_more\":true", 0},
        {"\"system\":true", 0}, {"\"media_ms\"", 0},      {"moved to", 0},      {"no_such_message", 0},
        {"\"reactions\":[", 0}, {"\"add\":false", 0},     {"not_moderator", 0}, {"\"removed\":true", 0}};

    for (int step = 0; step < 5'000; ++step) {
        now += static_cast<millis>(pick(pick(4) == 0 ? 2'000 : 60));
        if (pick(50) == 0) now -= static_cast<millis>(pick(2'000));  // the clock steps back
        const std::string& room = rooms[pick(rooms.size())];
        const user_info& user = users[pick(users.size())];
        std::string mine;
        std::string theirs;
        switch (pick(10)) {
            case 0: {
                join_frame request;
                if (pick(3) != 0) request.since = pick(4) == 0 ? ~std::uint64_t{0} : pick(60);
                if (pick(2) == 0) request.epoch = pick(4) == 0 ? "another-life" : "";
                const bool named = request.epoch && request.epoch->empty();
                if (named) {
                    // The room's own epoch, as each backend calls it.
                    auto probe_memory = memory.query(room, std::nullopt, std::nullopt, 0);
                    auto probe_redis = redis.query(room, std::nullopt, std::nullopt, 0);
                    request.epoch = probe_memory && probe_memory->epoch ? *probe_memory->epoch : "none";
                    mine = written(memory.view(room, user.id, request), memory_epochs);
                    request.epoch = probe_redis && probe_redis->epoch ? *probe_redis->epoch : "none";
                    theirs = written(redis.view(room, user.id, request), redis_epochs);
                    break;
                }
                mine = written(memory.view(room, user.id, request), memory_epochs);
                theirs = written(redis.view(room, user.id, request), redis_epochs);
                break;
            }
            case 1: {
                std::optional<seq_t> before;
                std::optional<seq_t> after;
                if (pick(3) == 0)
                    before = pick(70);
                else if (pick(2) == 0)
                    after = pick(70);
                const auto limit = static_cast<std::uint32_t>(pick(12));
                mine = written(memory.query(room, before, after, limit), memory_epochs);
                theirs = written(redis.query(room, before, after, limit), redis_epochs);
                break;
            }
            case 2: {
                const seq_t seq = pick(70);
                mine = written(memory.mark_read(room, user.id, seq), memory_epochs);
                theirs = written(redis.mark_read(room, user.id, seq), redis_epochs);
                break;
            }
            default: {
                send_attempt a = attempt(user, 1 + pick(60), texts[pick(texts.size())], now);
                if (pick(8) == 0) a.held_wait_ms = static_cast<std::uint32_t>(pick(900));
                a.system = pick(15) == 0;
                if (pick(4) == 0) a.media_ms = static_cast<millis>(pick(100'000));
                if (pick(5) == 0) {  // a removal, as room::prepare_send makes it
                    a.removes = pick(70);
                    a.text = std::string();
                    a.media_ms = std::nullopt;
                    a.moderator = a.system || pick(3) == 0;
                } else if (pick(3) == 0) {  // a reaction: few emoji, so tallies fill and empty
                    a.reaction =
                        reaction_change{pick(70), std::string(reaction_emoji[pick(2)]), pick(3) != 0};
                    a.text = std::string();
                    a.media_ms = std::nullopt;
                }
                mine = written(memory.accept(room, a), memory_epochs);
                theirs = written(redis.accept(room, a), redis_epochs);
                break;
            }
        }
        ASSERT_EQ(theirs, mine) << "step " << step;
        for (auto& [what, count] : reached) count += mine.find(what) != std::string::npos ? 1 : 0;
    }
    for (const auto& [what, count] : reached) EXPECT_GT(count, 0) << what << " never came up";
}

}  // namespace
}  // namespace roomchat::relay_test
