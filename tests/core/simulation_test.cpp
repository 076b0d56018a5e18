#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "roomchat/client_session.hpp"
#include "roomchat/room.hpp"

#include "support/sim_world.hpp"

// The client_session guarantees, checked end to end: 3-5 sessions (sometimes
// two tabs of one user) chat through one room over a link that drops,
// duplicates, delays and reorders frames and cuts connections, while users
// type, read, page back and lose their network, and (some seeds) the relay
// restarts, its room starting over in a new epoch, or some clients sit
// behind a proxy that refuses WebSockets and chat over HTTP (long poll and
// POST), until the proxy goes and a WebSocket takes over again. After the
// network heals and everything settles, every session must show exactly the
// room's messages of the current epoch, once each, in seq order, and know the
// fate of every message it sent: over HTTP, and again once WebSockets carry
// every session.
//
// A frame lost on a live connection is noticed only when a later seq
// arrives (or on reconnect); the closing round of one message per client is
// that later activity, as any continued chat would be.

namespace roomchat {
namespace {

constexpr int steps = 2000;
constexpr std::uint64_t seeds = 100;
// Resends give up within about a minute and reconnects wait at most 30 s,
// so a healed network settles well within this (virtual) time.
constexpr millis settle_time = 5 * 60 * 1000;

struct scenario {
    std::size_t clients = 3;
    bool second_tab = false;      // the last client is another tab of user u0
    bool small_history = false;   // the room forgets fast and users stay offline longer:
                                  // reconnects see truncated history
    bool relay_restarts = false;  // the relay restarts now and then
    bool small_timeline = false;  // sessions trim their timelines all along
    // Behind a proxy that refuses WebSockets: from the start, or from a
    // random step (block_midway), until a random step (block_lifts) or the
    // end of the run.
    std::vector<std::size_t> blocked;
    bool block_midway = false;
    bool block_lifts = false;
};

// Well below what a run brings (about 80 messages) and a join page (50).
constexpr std::size_t small_max_timeline = 20;

scenario scenario_for(std::uint64_t seed) {
    scenario s;
    s.clients = 3 + static_cast<std::size_t>(seed % 3);
    s.second_tab = s.clients >= 4 && seed % 4 == 1;
    s.small_history = seed % 5 == 0;
    s.relay_restarts = seed % 4 == 3;
    s.small_timeline = seed % 3 == 1;
    // Odd seeds, so that both restarts (3 mod 4) and second tabs (1 mod 4)
    // meet clients over HTTP, the blocked client being the second tab at times.
    if (seed % 2 == 1) {
        const std::size_t first = static_cast<std::size_t>(seed / 2) % s.clients;
        s.blocked.push_back(first);
        if (s.clients == 5) {
            // Two over HTTP: one's POSTs reach the other's poll.
            s.blocked.push_back((first + 1) % s.clients);
        }
        s.block_midway = seed % 3 == 0;
        s.block_lifts = seed % 8 == 1 || seed % 8 == 7;
    }
    return s;
}

std::string random_text(sim::world& w) {
    static const std::vector<std::string> pieces{"a",  "b",    "hello", " ",         "  ",
                                                 "\t", "é",    "😀",     "e\xCC\x81", "\r\n",
                                                 "z",  "chat", "42",    "!",         "\xE6\x97\xA5"};
    std::string text;
    const auto count = w.uniform(0, 12);
    for (std::int64_t i = 0; i < count; ++i) {
        text += pieces[static_cast<std::size_t>(w.uniform(0, static_cast<std::int64_t>(pieces.size()) - 1))];
    }
    return text;
}

const timeline_message* find_row(const std::vector<timeline_message>& rows, const message_id& id) {
    const auto it =
        std::find_if(rows.begin(), rows.end(), [&](const timeline_message& r) { return r.id == id; });
    return it == rows.end() ? nullptr : &*it;
}

// What the UI shows (built from events) is what the session holds, and no
// id appears twice, at any moment. Trimming is not announced, so a UI built
// from events alone may still show older rows above them (`trims`).
void check_display(const sim::world& w, std::size_t i, bool trims) {
    const auto rows = w.session(i).timeline();
    const auto& ui = w.record(i).ui;
    EXPECT_FALSE(w.record(i).ui_misplaced) << "client " << i << ": an upsert named an unknown `before`";
    if (trims) {
        ASSERT_GE(ui.size(), rows.size()) << "client " << i << ": the session holds rows the UI lacks";
    } else {
        ASSERT_EQ(ui.size(), rows.size()) << "client " << i << ": the UI and the session disagree";
    }
    const std::size_t above = ui.size() - rows.size();
    std::set<message_id> ids;
    for (const auto& row : ui) {
        EXPECT_TRUE(ids.insert(row.id).second) << "client " << i << ": id shown twice";
    }
    for (std::size_t k = 0; k < rows.size(); ++k) {
        EXPECT_EQ(ui[above + k].id, rows[k].id) << "client " << i << ": row " << k << " out of place";
        EXPECT_EQ(ui[above + k].seq, rows[k].seq);
        EXPECT_EQ(ui[above + k].state, rows[k].state);
        EXPECT_EQ(ui[above + k].failure, rows[k].failure);
    }
}

void check_room(const sim::world& w) {
    const auto& accepted = w.accepted();
    seq_t expected = 1;
    std::set<message_id> ids;
    for (const auto& [seq, message] : accepted) {
        EXPECT_EQ(seq, expected++);
        EXPECT_TRUE(ids.insert(message.id).second) << "the room accepted an id twice";
    }
    EXPECT_EQ(accepted.size(), w.relay_room().latest_seq());
}

void check_client(const sim::world& w, std::size_t i) {
    SCOPED_TRACE("client " + std::to_string(i) + " (" + w.user(i).id + ")");
    const auto& accepted = w.accepted();
    std::map<message_id, seq_t> seq_of;
    for (const auto& [seq, message] : accepted) {
        seq_of[message.id] = seq;
    }
    const seq_t oldest_in_room = w.relay_room().log().messages().first_seq();
    const seq_t latest = w.relay_room().latest_seq();

    EXPECT_EQ(w.session(i).state(), connection_state::online);
    const auto rows = w.session(i).timeline();
    std::set<message_id> shown;
    std::set<seq_t> held;
    seq_t previous = 0;
    bool pending_seen = false;
    for (const auto& row : rows) {
        EXPECT_TRUE(shown.insert(row.id).second) << "id shown twice: " << row.id.to_string();
        if (row.seq == 0) {
            pending_seen = true;
            EXPECT_EQ(row.state, delivery_state::failed) << "still pending after the network healed";
            EXPECT_TRUE(row.own);
            continue;
        }
        EXPECT_FALSE(pending_seen) << "a sequenced message after a pending one";
        EXPECT_GT(row.seq, previous) << "timeline out of seq order";
        previous = row.seq;
        held.insert(row.seq);
        const auto truth = accepted.find(row.seq);
        if (truth == accepted.end()) {
            ADD_FAILURE() << "seq " << row.seq << " was never accepted";
            continue;
        }
        EXPECT_EQ(row.id, truth->second.id);
        EXPECT_EQ(row.text, truth->second.text);
        EXPECT_EQ(row.removed, truth->second.removed)
            << "seq " << row.seq << ": a removal missed or misapplied";
        // Reactions: as the room holds them, where it still does.
        if (const chat_message* held_there = w.relay_room().log().messages().find(row.seq)) {
            std::vector<std::pair<std::string, std::vector<std::string>>> want;
            std::vector<std::pair<std::string, std::vector<std::string>>> got;
            for (const auto& tally : held_there->reactions) {
                want.emplace_back(tally.emoji, std::vector<std::string>{});
                for (const auto& user : tally.users) want.back().second.push_back(user.id);
            }
            for (const auto& reaction : row.reactions) {
                got.emplace_back(reaction.emoji, std::vector<std::string>{});
                for (const auto& user : reaction.users) got.back().second.push_back(user.id);
            }
            EXPECT_EQ(got, want) << "seq " << row.seq << ": reactions differ from the room's";
        }
        EXPECT_EQ(row.from, truth->second.from);
        EXPECT_EQ(row.ts, truth->second.ts);
        EXPECT_EQ(row.state, delivery_state::sent);
        EXPECT_EQ(row.own, row.from.id == w.user(i).id);
    }
    // Everything the room still holds is here: older pages were loaded
    // until the room had no more.
    // (A removal or a reaction is no row: the message it names shows it.)
    for (seq_t seq = oldest_in_room; seq != 0 && seq <= latest; ++seq) {
        const auto truth = accepted.find(seq);
        if (truth != accepted.end() && !is_message(truth->second)) continue;
        EXPECT_EQ(held.count(seq), 1U) << "missing seq " << seq;
    }

    const auto& record = w.record(i);
    for (const auto& id : record.sent) {
        const auto* row = find_row(rows, id);
        const auto accepted_at = seq_of.find(id);
        const auto acks = record.acknowledgements.count(id) ? record.acknowledgements.at(id) : 0;
        if (accepted_at == seq_of.end() && w.accepted_before().count(id) != 0) {
            // Accepted in an epoch the relay no longer has. Either its ack
            // came (and the epoch's reset may have dropped the row), or it
            // never did and, resends used up, the message failed.
            EXPECT_LE(acks, 1);
            if (acks == 0) {
                ASSERT_NE(row, nullptr) << "an unacknowledged message vanished";
                EXPECT_EQ(row->state, delivery_state::failed);
            }
        } else if (accepted_at == seq_of.end()) {
            ASSERT_NE(row, nullptr) << "a message that was never accepted vanished";
            EXPECT_EQ(row->state, delivery_state::failed);
            EXPECT_TRUE(row->failure.has_value());
            EXPECT_EQ(acks, 0);
        } else if (accepted_at->second >= oldest_in_room) {
            ASSERT_NE(row, nullptr) << "an accepted message is missing";
            EXPECT_EQ(row->state, delivery_state::sent);
            EXPECT_EQ(row->seq, accepted_at->second);
            EXPECT_EQ(acks, 1) << "acknowledged " << acks << " times";
        } else {
            EXPECT_LE(acks, 1);  // the room forgot it; a reset may have dropped the row
        }
    }
    for (const auto& [id, count] : record.acknowledgements) {
        EXPECT_EQ(count, 1);
        EXPECT_TRUE(seq_of.count(id) != 0 || w.accepted_before().count(id) != 0)
            << "acknowledged but never accepted";
    }
}

// Pages back until every session holds all the room still has; false if
// the world does not settle after a page.
bool load_all_older(sim::world& w) {
    for (std::size_t i = 0; i < w.size(); ++i) {
        // older(), not the last page's has_more: trimming makes older messages loadable again.
        for (int page = 0; page < 1000 && w.session(i).older() == older_state::available; ++page) {
            w.load_older(i);
            if (!w.run_until_quiet(settle_time)) {
                return false;
            }
        }
    }
    return true;
}

// Every guarantee, once the world is quiet.
void check_end_state(const sim::world& w, bool trims) {
    check_room(w);
    for (std::size_t i = 0; i < w.size(); ++i) {
        check_display(w, i, trims);
        check_client(w, i);
    }
}

class simulation : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(simulation, every_session_converges_on_the_rooms_history) {
    const std::uint64_t seed = GetParam();
    const scenario plan = scenario_for(seed);
    room_config config;
    if (plan.small_history) {
        config.history.max_messages = 10;
    }
    sim::world w(seed, config, plan.clients, plan.second_tab,
                 plan.small_timeline ? small_max_timeline : client_config{}.max_timeline);
    w.set_faults(sim::link_faults{20, 20, 50, 50});
    const auto block_from = plan.block_midway ? w.uniform(100, 1000) : 0;
    const auto block_until = plan.block_lifts ? w.uniform(block_from + 300, 1500) : steps;
    const auto block = [&](bool blocked) {
        for (const std::size_t i : plan.blocked) {
            w.block_websockets(i, blocked);
        }
    };
    if (block_from == 0) {
        block(true);
    }
    w.start_all();

    for (int step = 0; step < steps; ++step) {
        if (step == block_from && step != 0) {
            block(true);
        }
        if (step == block_until) {
            block(false);
        }
        w.run_until(w.now() + w.uniform(1, 60));
        for (std::size_t i = 0; i < w.size(); ++i) {
            // Mostly single messages, sometimes a burst past the rate limit.
            const std::int64_t typed = w.chance(6) ? 1 : w.chance(1) ? w.uniform(3, 8) : 0;
            for (std::int64_t k = 0; k < typed; ++k) {
                (void)w.type(i, random_text(w));
            }
            if (w.chance(5)) {
                w.read_all(i);
            }
            if (w.chance(1)) {
                w.remove_own(i);
            }
            if (w.chance(3)) {
                w.react(i);
            }
            if (w.chance(1)) {
                w.load_older(i);
            }
            if (w.network_up(i) ? w.chance(1) : w.chance(plan.small_history ? 4 : 20)) {
                w.set_network(i, !w.network_up(i));
            }
        }
        if (w.chance(4)) {
            w.cut(static_cast<std::size_t>(w.uniform(0, static_cast<std::int64_t>(w.size()) - 1)));
        }
        if (plan.relay_restarts && w.chance(2)) {
            w.restart_relay();
        }
        if (step % 50 == 0) {
            for (std::size_t i = 0; i < w.size(); ++i) {
                check_display(w, i, plan.small_timeline);
            }
            if (HasFailure()) {
                FAIL() << "display check failed at step " << step;
            }
        }
    }

    w.set_faults({});
    for (std::size_t i = 0; i < w.size(); ++i) {
        if (!w.network_up(i)) {
            w.set_network(i, true);
        }
    }
    ASSERT_TRUE(w.run_until_quiet(settle_time));
    for (std::size_t i = 0; i < w.size(); ++i) {
        ASSERT_TRUE(w.type(i, "last word from client " + std::to_string(i)).ok());
    }
    ASSERT_TRUE(w.run_until_quiet(settle_time));
    ASSERT_TRUE(load_all_older(w));

    EXPECT_FALSE(w.stale_deadline()) << "a deadline stayed due after on_timer";
    EXPECT_FALSE(w.frame_without_transport()) << "a frame was produced with no open transport";
    EXPECT_GT(w.accepted().size(), 0U);
    EXPECT_GT(w.stats().removals, 0) << "no session removed a message";
    EXPECT_GT(w.stats().reactions, 0) << "no session reacted";
    EXPECT_GT(w.stats().batches, 0) << "the relay never had frames to batch: the sessions did not ask for it";
    if (w.stats().restarts > 0) {
        int epoch_resets = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            epoch_resets += w.record(i).epoch_resets;
        }
        EXPECT_GT(epoch_resets, 0) << "restarts that no session noticed";
    }
    check_end_state(w, plan.small_timeline);

    if (!plan.blocked.empty()) {
        const auto& stats = w.stats();
        EXPECT_GT(stats.fallbacks, 0) << "no session fell back to HTTP";
        EXPECT_FALSE(w.bad_http_request()) << "a session made an HTTP request the relay refuses";
        EXPECT_FALSE(w.posts_overlapped()) << "a session posted while a POST of its was still out";
        if (!plan.block_lifts) {
            // Still behind the proxy: the last words went by POST and the others' came by poll.
            for (const std::size_t i : plan.blocked) {
                EXPECT_EQ(w.via(i), carrier::http) << "client " << i << " is blocked, yet not over HTTP";
            }
            EXPECT_GT(stats.posts_acked, 0) << "no POST was acknowledged";
            EXPECT_GT(stats.polled, 0) << "no message came by long poll";
        }
        // The proxy goes: within the WebSocket retry's longest wait, a
        // WebSocket carries every session, and nothing changed for it.
        block(false);
        int over_http = 0;
        for (std::size_t i = 0; i < w.size(); ++i) {
            over_http += w.via(i) == carrier::http ? 1 : 0;
        }
        const int takeovers = stats.takeovers;
        w.run_until(w.now() + client_config{}.ws_retry.max_ms);
        ASSERT_TRUE(w.run_until_quiet(settle_time));
        ASSERT_TRUE(load_all_older(w));  // a WebSocket's join page may trim the timeline
        EXPECT_EQ(w.stats().takeovers - takeovers, over_http) << "not every session over HTTP was taken over";
        for (std::size_t i = 0; i < w.size(); ++i) {
            EXPECT_EQ(w.via(i), carrier::websocket) << "client " << i << " is still over HTTP";
        }
        check_end_state(w, plan.small_timeline);
    }

    const auto& stats = w.stats();
    RecordProperty("accepted", static_cast<int>(w.accepted().size()));
    RecordProperty("restarts", stats.restarts);
    RecordProperty("connections", stats.connections);
    RecordProperty("cuts", stats.cuts);
    RecordProperty("frames", stats.frames);
    RecordProperty("dropped", stats.dropped);
    RecordProperty("duplicated", stats.duplicated);
    RecordProperty("resets", stats.resets);
    RecordProperty("rate_limited", stats.rate_limited);
    RecordProperty("history_pages", stats.history_pages);
    RecordProperty("batches", stats.batches);
    RecordProperty("http_requests", stats.http_requests);
    RecordProperty("polls", stats.polls);
    RecordProperty("posts", stats.posts);
    RecordProperty("posts_acked", stats.posts_acked);
    RecordProperty("polled", stats.polled);
    RecordProperty("http_failed", stats.http_failed);
    RecordProperty("fallbacks", stats.fallbacks);
    RecordProperty("takeovers", stats.takeovers);
}

INSTANTIATE_TEST_SUITE_P(seeded, simulation, ::testing::Range<std::uint64_t>(0, seeds));

}  // namespace
}  // namespace roomchat
