// One room driven as the relay drives it, by an operation stream from the
// input: up to four connections of three users join (with or without since,
// in this epoch, another or none), leave, send (fresh, repeated, nil ids; any
// text, also over HTTP), remove a message, ask for history pages, mark read, type, while the clock
// moves forward and fires the room's timer. Small limits from the input make
// eviction, rate limiting, paging and the member list cap happen early. Every
// reply is checked against what the room accepted so far: acks number new
// messages 1, 2, 3... and repeat the original for a resend; pages are
// ascending runs of exactly the accepted messages, within the page size and
// history caps; latest_seq() is the last accepted seq; read markers only move
// forward; presence frames, once due, tell the members exactly who came and
// went; typing passes on to every other user, a start at most once per
// interval and a stop only for a start passed on; a removal is accepted only
// for its author's message still held, and from then on every page holds
// that message as its tombstone.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roomchat/history.hpp"
#include "roomchat/local_room.hpp"
#include "roomchat/rate_table.hpp"
#include "roomchat/text_rules.hpp"
#include "roomchat/typing.hpp"

#include "check.hpp"

namespace {

using namespace roomchat;
using roomchat::fuzz::check;

constexpr millis start_time = 1'700'000'000'000;
constexpr connection_id max_connection = 4;
const std::string epoch = "e1";
const std::array<const char*, 2> other_epochs{"e0", "0123456789abcdef"};
const std::array<user_info, 3> users{{{"u0", "Ann"}, {"u1", "Bob"}, {"u2", "Émile"}}};
const std::array<const char*, 6> sample_texts{"hello",    "  😀  ",     "a\r\nb",
                                              "bell\x07", "e\xCC\x81", "\xC0\xAF"};

room_config config_from(FuzzedDataProvider& in) {
    room_config config;
    config.text.max_code_points = in.ConsumeIntegralInRange<std::size_t>(0, 40);
    config.text.allow_newlines = in.ConsumeBool();
    config.rate.burst = in.ConsumeIntegralInRange<std::uint32_t>(0, 6);
    config.rate.refill_interval_ms = in.ConsumeIntegralInRange<std::uint32_t>(0, 3000);
    config.history.max_messages = in.ConsumeIntegralInRange<std::size_t>(1, 12);
    config.history.max_bytes = in.ConsumeIntegralInRange<std::size_t>(64, 2048);
    config.dedupe_capacity = in.ConsumeIntegralInRange<std::size_t>(0, 16);
    config.page_size = in.ConsumeIntegralInRange<std::uint32_t>(0, 8);
    config.max_page_size = in.ConsumeIntegralInRange<std::uint32_t>(0, 16);
    config.presence_delay_ms = in.ConsumeIntegralInRange<millis>(0, 1000);
    config.max_presence_per_flush = in.ConsumeIntegralInRange<std::uint32_t>(1, 4);
    config.presence_slice_interval_ms = in.ConsumeIntegralInRange<millis>(0, 50);
    config.max_listed_members = in.ConsumeIntegralInRange<std::uint32_t>(0, 3);
    return config;
}

// The relay's bucket per user across rooms, or none.
std::optional<rate_table> user_sends_from(FuzzedDataProvider& in) {
    if (!in.ConsumeBool()) return std::nullopt;
    rate_limit_config config;
    config.burst = in.ConsumeIntegralInRange<std::uint32_t>(0, 6);
    config.refill_interval_ms = in.ConsumeIntegralInRange<std::uint32_t>(0, 3000);
    return rate_table(config);
}

template <typename Frame>
const Frame& frame_of(const room_action& action, const char* invariant) {
    const auto* frame = std::get_if<Frame>(&action.frame);
    check(frame != nullptr, invariant);
    return *frame;
}

class room_driver {
public:
    explicit room_driver(FuzzedDataProvider& in)
        : in_(in),
          config_(config_from(in)),
          user_sends_(user_sends_from(in)),
          room_("lobby", epoch, config_, user_sends_ ? &*user_sends_ : nullptr) {}

    void step() {
        switch (in_.ConsumeIntegralInRange(0, 9)) {
            case 0:
                join();
                break;
            case 1:
                leave();
                break;
            case 2:
                send();
                break;
            case 3:
                send_as();
                break;
            case 4:
                history();
                break;
            case 5:
                query();
                break;
            case 6:
                mark_read();
                break;
            case 7:
                typing();
                break;
            case 8:
                remove();
                break;
            default:
                now_ += in_.ConsumeIntegralInRange<millis>(0, 3000);
                on_timer();
                break;
        }
        check(room_.latest_seq() == last_seq_, "latest_seq() is the last accepted seq");
        const history_ring& held = room_.log().messages();
        check(held.size() <= config_.history.max_messages, "history holds at most max_messages");
        check(held.size() <= 1 || held.bytes() <= config_.history.max_bytes,
              "history holds at most max_bytes");
        check(held.last_seq() == last_seq_, "the newest message is always held");
    }

private:
    connection_id pick_connection() { return in_.ConsumeIntegralInRange<connection_id>(1, max_connection); }

    seq_t pick_seq() {
        return in_.ConsumeBool() ? in_.ConsumeIntegralInRange<seq_t>(0, last_seq_ + 2)
                                 : in_.ConsumeIntegral<seq_t>();
    }

    message_id pick_id() {
        const int kind = in_.ConsumeIntegralInRange(0, 2);
        if (kind == 0 && !used_ids_.empty()) {
            return used_ids_[in_.ConsumeIntegralInRange<std::size_t>(0, used_ids_.size() - 1)];
        }
        std::array<std::uint8_t, message_id::size_bytes> bytes{};
        if (kind != 2) {
            for (auto& byte : bytes) byte = in_.ConsumeIntegral<std::uint8_t>();
        }
        used_ids_.emplace_back(bytes);
        return used_ids_.back();
    }

    std::string pick_text() {
        if (in_.ConsumeBool()) {
            return sample_texts[in_.ConsumeIntegralInRange<std::size_t>(0, sample_texts.size() - 1)];
        }
        return in_.ConsumeRandomLengthString(64);
    }

    void join() {
        const connection_id conn = pick_connection();
        const user_info& user = users[in_.ConsumeIntegralInRange<std::size_t>(0, users.size() - 1)];
        join_frame request;
        request.room = room_.id();
        if (in_.ConsumeBool()) request.since = pick_seq();
        switch (in_.ConsumeIntegralInRange(0, 2)) {
            case 0:
                break;
            case 1:
                request.epoch = epoch;
                break;
            default:
                request.epoch =
                    other_epochs[in_.ConsumeIntegralInRange<std::size_t>(0, other_epochs.size() - 1)];
                break;
        }
        const auto [member, inserted] = members_.try_emplace(conn, user);
        const bool arrived = inserted && ++connections_of_[member->second.id] == 1;
        if (arrived) present_.emplace(member->second.id, member->second);

        const room_actions actions = room_.join(conn, user, request, now_);
        if (arrived) presence_changed();
        check(actions.size() == 2, "join: joined and a history page");
        const auto& joined = frame_of<joined_frame>(actions[0], "join: joined first");
        check(joined.epoch == epoch, "joined: the room's epoch");
        check(joined.latest_seq == last_seq_, "joined: latest_seq is the last accepted seq");
        check(joined.read_seq == markers_[member->second.id], "joined: read_seq is the user's marker");
        std::vector<user_info> listed = expected_members(member->second);
        check(joined.member_count == listed.size(),
              "joined: member_count counts the announced users and the joiner");
        if (listed.size() > config_.max_listed_members) listed.resize(config_.max_listed_members);
        check(joined.members == listed, "joined: the first users by id, each once, up to the cap");

        const auto& page = frame_of<history_frame>(actions[1], "join: a history page second");
        check(page.epoch == epoch, "join: the page counts in the room's epoch");
        check(page.mode == (request.since ? history_mode::after : history_mode::latest), "join: page mode");
        check_page(page.messages, config_.page_size);
        const bool position_held =
            request.since && (request.epoch ? *request.epoch == epoch : *request.since <= last_seq_);
        check(!request.since || position_held || page.truncated,
              "join: a position of another epoch or beyond the newest is truncated");
        check(!page.truncated || request.since, "join: only a page after `since` is truncated");
        if (request.since && !page.truncated) check_after(page.messages, *request.since, config_.page_size);
        if ((!request.since || page.truncated) && !page.messages.empty()) {
            check(page.messages.back().seq == last_seq_, "join: the latest page ends at the newest");
        }
    }

    // Presence goes out once it is due, as the net change since the last time.
    void presence_changed() {
        if (!presence_due_) presence_due_ = now_ + config_.presence_delay_ms;
        check(room_.next_deadline() == presence_due_, "presence is due presence_delay_ms after a change");
    }

    void on_timer() {
        const room_actions actions = room_.on_timer(now_);
        if (!presence_due_ || now_ < *presence_due_) {
            check(actions.empty(), "nothing before presence is due");
            return;
        }
        check(actions.size() <= config_.max_presence_per_flush, "presence goes out in slices");
        for (const auto& action : actions) {
            const auto& presence = frame_of<presence_frame>(action, "the timer sends presence");
            check(action.to == model_members(std::nullopt), "presence goes to all");
            const std::string& id = presence.user.id;
            if (presence.event == presence_event::join) {
                check(present_.count(id) == 1 && announced_.count(id) == 0, "a join announces a new arrival");
                announced_.emplace(id, presence.user);
            } else {
                check(present_.count(id) == 0 && announced_.count(id) == 1, "a leave announces a departure");
                announced_.erase(id);
            }
            check(presence.member_count == announced_.size(), "presence counts the users announced so far");
        }
        presence_due_ = room_.next_deadline();
        if (presence_due_) {
            check(*presence_due_ == now_ + config_.presence_slice_interval_ms,
                  "the next slice follows shortly");
        } else {
            check(announced_ == present_,
                  "once done, the members have heard of everyone present and no one else");
        }
    }

    // What a joiner is told: the users announced so far, and itself.
    std::vector<user_info> expected_members(const user_info& joiner) const {
        std::map<std::string, user_info> listed = announced_;
        listed.emplace(joiner.id, joiner);
        std::vector<user_info> members;
        for (const auto& [id, user] : listed) members.push_back(user);
        return members;
    }

    void leave() {
        const connection_id conn = pick_connection();
        const auto member = members_.find(conn);
        bool departed = false;
        std::optional<user_info> user;
        if (member != members_.end()) {
            user = member->second;
            departed = --connections_of_[member->second.id] == 0;
            if (departed) present_.erase(member->second.id);
            members_.erase(member);
        }
        const room_actions actions = room_.leave(conn, now_);
        if (user) {
            check_typists(actions, *user);
        } else {
            check(actions.empty(), "leave: an unknown connection changes nothing");
        }
        if (departed) {
            presence_changed();
            typing_.erase(user->id);  // the room forgets a user gone
        }
    }

    void send() {
        const connection_id conn = pick_connection();
        const message_id id = pick_id();
        const std::string text = pick_text();
        const send_result result = room_.send(conn, id, text, now_);
        const room_actions& actions = result.actions;
        const send_outcome& outcome = result.outcome;
        const auto member = members_.find(conn);
        if (member == members_.end()) {
            check(!outcome.ack && !outcome.nack, "send: a non-member gets no decision");
            check_not_joined(actions, conn);
            return;
        }
        check(outcome.ack.has_value() != outcome.nack.has_value(), "send: an ack or a nack");
        check(!actions.empty() && actions[0].to == std::vector<connection_id>{conn},
              "send: the sender hears first");
        if (outcome.ack) {
            const auto& ack = frame_of<ack_frame>(actions[0], "send: the outcome's ack");
            check(ack.seq == outcome.ack->seq && ack.id == outcome.ack->id,
                  "send: the sender hears the outcome");
        } else {
            const auto& nack = frame_of<nack_frame>(actions[0], "send: the outcome's nack");
            check(nack.code == outcome.nack->code && nack.id == outcome.nack->id,
                  "send: the sender hears the outcome");
        }
        check(outcome.duplicate == (outcome.ack && actions.size() == 1),
              "send: duplicate exactly when acked without a broadcast");
        const std::vector<room_action> broadcasts(actions.begin() + 1, actions.end());
        check_outcome(member->second, id, text, outcome, broadcasts, conn);
    }

    // The members join as no moderator here: only an author removes.
    void remove() {
        const connection_id conn = pick_connection();
        const message_id id = pick_id();
        const seq_t target = pick_seq();
        const chat_message* held = room_.log().messages().find(target);
        const std::optional<chat_message> removable = held != nullptr && !held->removes && !held->removed
                                                          ? std::optional<chat_message>(*held)
                                                          : std::nullopt;
        send_frame removal{room_.id(), id, ""};
        removal.removes = target;
        const send_result result = room_.send(conn, removal, now_);
        const auto member = members_.find(conn);
        if (member == members_.end()) {
            check_not_joined(result.actions, conn);
            return;
        }
        const send_outcome& outcome = result.outcome;
        check(outcome.ack.has_value() != outcome.nack.has_value(), "remove: an ack or a nack");
        const bool earlier = accepted_.count(id) != 0;
        if (outcome.nack) {
            check(result.actions.size() == 1, "remove: a refusal reaches the remover only");
            if (!earlier && outcome.nack->code == errc::no_such_message) {
                check(!removable, "remove: no_such_message only for what is no message held");
            }
            if (!earlier && outcome.nack->code == errc::not_moderator) {
                check(removable && removable->from.id != member->second.id,
                      "remove: not_moderator only for another's message");
            }
            return;
        }
        if (result.actions.size() == 1) {
            check(earlier && accepted_[id].seq == outcome.ack->seq, "remove: a resend repeats the first ack");
            return;
        }
        // `earlier` may be true here: an id the log's dedupe has forgotten
        // (dedupe_capacity is as low as 0) is a new send again, as a
        // message's is (check_outcome).
        check(removable && removable->from.id == member->second.id,
              "remove: accepted only for the author's message held");
        check(outcome.ack->seq == last_seq_ + 1, "remove: a removal gets the next seq");
        const auto& entry = frame_of<message_frame>(result.actions.at(1), "remove: the removal").message;
        check(entry.removes == target && entry.text.empty() && entry.from == member->second,
              "remove: the broadcast is the removal");
        check(room_.log().messages().find(target) == nullptr || room_.log().messages().find(target)->removed,
              "remove: the history holds the tombstone");
        last_seq_ = entry.seq;
        accepted_[id] = entry;
        by_seq_[entry.seq] = entry;
        by_seq_[target] = tombstone(by_seq_[target]);
    }

    void send_as() {
        const user_info& user = users[in_.ConsumeIntegralInRange<std::size_t>(0, users.size() - 1)];
        const message_id id = pick_id();
        const std::string text = pick_text();
        const send_result result = room_.send_as(user, id, text, now_);
        const send_outcome& outcome = result.outcome;
        check(outcome.ack.has_value() != outcome.nack.has_value(), "send_as: an ack or a nack");
        check(outcome.duplicate == (outcome.ack && result.actions.empty()),
              "send_as: duplicate exactly when acked without a broadcast");
        check_outcome(user, id, text, outcome, result.actions, std::nullopt);
    }

    // Broadcasts: the new message to the members but the sender, or nothing.
    void check_outcome(const user_info& user, const message_id& id, const std::string& text,
                       const send_outcome& outcome, const std::vector<room_action>& broadcasts,
                       std::optional<connection_id> sender) {
        if (outcome.nack) {
            check(broadcasts.empty(), "a refused send broadcasts nothing");
            check(outcome.nack->id == id, "the nack names the message");
            const bool limited = outcome.nack->code == errc::rate_limited;
            check(limited == (outcome.nack->retry_after_ms.has_value() && *outcome.nack->retry_after_ms > 0),
                  "rate_limited, and only it, says when to retry");
            const auto normalized = normalize_text(text, config_.text);
            if (id.is_nil()) {
                check(outcome.nack->code == errc::invalid_message_id, "a nil id is invalid_message_id");
            } else if (accepted_.count(id) == 0 && !normalized) {
                check(outcome.nack->code == normalized.error(),
                      "a new message with bad text: the text error");
            }
            return;
        }
        const ack_frame& ack = *outcome.ack;
        check(ack.id == id && ack.epoch == epoch, "the ack names the message and the epoch");
        if (broadcasts.empty()) {
            const auto earlier = accepted_.find(id);
            check(earlier != accepted_.end() && earlier->second.from == user &&
                      earlier->second.seq == ack.seq && earlier->second.ts == ack.ts,
                  "an ack without a broadcast repeats the original acceptance by the same user");
            return;
        }
        check(ack.seq == last_seq_ + 1, "a new message gets the next seq");
        check(ack.ts == now_, "a new message is stamped now");
        const auto normalized = normalize_text(text, config_.text);
        check(normalized.ok(), "only valid text is accepted");
        check(broadcasts.size() == 1 && broadcasts[0].to == model_members(sender),
              "one broadcast to the members but the sender");
        const auto& message = frame_of<message_frame>(broadcasts[0], "the broadcast is the message").message;
        typing_[user.id].shown = false;  // the members forget its author's typing as it comes
        check(message.seq == ack.seq && message.id == id && message.from == user &&
                  message.text == *normalized && message.ts == now_,
              "the broadcast is what was accepted");
        last_seq_ = ack.seq;
        accepted_[id] = message;
        by_seq_[message.seq] = message;
    }

    void history() {
        const connection_id conn = pick_connection();
        history_request_frame request;
        request.room = room_.id();
        const int kind = in_.ConsumeIntegralInRange(0, 2);
        if (kind == 1) request.before = pick_seq();
        if (kind == 2) request.after = pick_seq();
        request.limit = in_.ConsumeIntegral<std::uint32_t>();
        const room_actions actions = room_.history(conn, request);
        if (members_.count(conn) == 0) {
            check_not_joined(actions, conn);
            return;
        }
        check(actions.size() == 1 && actions[0].to == std::vector<connection_id>{conn},
              "history: one page to the asker");
        const auto& page = frame_of<history_frame>(actions[0], "history: a page");
        check_query(request.before, request.after, request.limit, page);
    }

    void query() {
        const int kind = in_.ConsumeIntegralInRange(0, 3);
        const std::optional<seq_t> before =
            kind == 1 || kind == 3 ? std::optional<seq_t>(pick_seq()) : std::nullopt;
        const std::optional<seq_t> after = kind >= 2 ? std::optional<seq_t>(pick_seq()) : std::nullopt;
        const auto limit = in_.ConsumeIntegral<std::uint32_t>();
        check_query(before, after, limit, room_.query(before, after, limit));
    }

    void check_query(std::optional<seq_t> before, std::optional<seq_t> after, std::uint32_t limit,
                     const history_frame& page) {
        check(page.epoch == epoch, "a page counts in the room's epoch");
        check(page.mode == (before  ? history_mode::before
                            : after ? history_mode::after
                                    : history_mode::latest),
              "a page says what it answers");
        const std::size_t capped = std::min(limit, config_.max_page_size);
        check_page(page.messages, capped);
        if (before) {
            for (const auto& message : page.messages) {
                check(message.seq < *before, "before: older messages only");
            }
            check(!page.truncated, "before: never truncated");
        } else if (after && !page.truncated) {
            check_after(page.messages, *after, capped);
        } else if (!page.messages.empty()) {
            check(page.messages.back().seq == last_seq_, "latest: the page ends at the newest");
        }
    }

    void mark_read() {
        const connection_id conn = pick_connection();
        const seq_t seq = pick_seq();
        const room_actions actions = room_.mark_read(conn, seq);
        const auto member = members_.find(conn);
        if (member == members_.end()) {
            check_not_joined(actions, conn);
            return;
        }
        seq_t& marker = markers_[member->second.id];
        const seq_t target = std::min(seq, last_seq_);
        if (target <= marker) {
            check(actions.empty(), "mark_read: a marker that does not move sends nothing");
            return;
        }
        marker = target;
        check(actions.size() == 1 && actions[0].to == model_members(conn, &member->second.id),
              "mark_read: the user's other connections hear it");
        check(frame_of<read_marker_frame>(actions[0], "mark_read: a read marker").seq == target,
              "mark_read: the marker moves to min(seq, latest)");
    }

    void typing() {
        const connection_id conn = pick_connection();
        const room_actions actions = room_.typing(conn, in_.ConsumeBool(), now_);
        const auto member = members_.find(conn);
        if (member == members_.end()) {
            check_not_joined(actions, conn);
            return;
        }
        check_typists(actions, member->second);
    }

    // What the room passed on of `user`'s typing.
    void check_typists(const room_actions& actions, const user_info& user) {
        check(actions.size() <= 1, "typing: at most one frame passed on");
        for (const auto& action : actions) {
            const auto& typist = frame_of<typist_frame>(action, "typing: a typist frame");
            check(typist.user == user, "typing: it names the typist");
            std::vector<connection_id> others;
            for (const auto& [other, member] : members_) {
                if (member.id != user.id) others.push_back(other);
            }
            check(action.to == others, "typing: to every other user's connections, none of the typist's");
            typist_model& model = typing_[user.id];
            if (typist.active) {
                check(!model.passed_at || now_ >= *model.passed_at + typing_relay_interval_ms,
                      "typing: a start at most once per interval and user");
                model.passed_at = now_;
                model.shown = true;
            } else {
                check(model.shown, "typing: a stop only after a start passed on");
                check(now_ < *model.passed_at + typing_expiry_ms,
                      "typing: no stop for a start readers forgot");
                model.shown = false;
            }
        }
    }

    // The member connections but `except`, only `user_id`'s when given, in order.
    std::vector<connection_id> model_members(std::optional<connection_id> except,
                                             const std::string* user_id = nullptr) const {
        std::vector<connection_id> conns;
        for (const auto& [conn, user] : members_) {
            if (conn != except && (user_id == nullptr || user.id == *user_id)) conns.push_back(conn);
        }
        return conns;
    }

    void check_not_joined(const room_actions& actions, connection_id conn) {
        check(actions.size() == 1 && actions[0].to == std::vector<connection_id>{conn},
              "a non-member gets one reply");
        check(frame_of<error_frame>(actions[0], "a non-member gets an error").code == errc::not_joined,
              "a non-member gets not_joined");
    }

    // Ascending runs of consecutive accepted messages, exactly as accepted,
    // within `limit` and the history caps.
    void check_page(const std::vector<chat_message>& messages, std::size_t limit) {
        check(messages.size() <= limit, "a page holds at most its limit");
        check(messages.size() <= config_.history.max_messages, "a page holds at most the history");
        for (std::size_t i = 0; i < messages.size(); ++i) {
            const auto earlier = by_seq_.find(messages[i].seq);
            check(earlier != by_seq_.end() && earlier->second == messages[i],
                  "a page holds accepted messages");
            check(i == 0 || messages[i].seq == messages[i - 1].seq + 1, "a page is an ascending run");
        }
    }

    void check_after(const std::vector<chat_message>& messages, seq_t since, std::size_t limit) {
        if (messages.empty()) {
            check(since >= last_seq_ || limit == 0, "after: nothing only when nothing is newer");
            return;
        }
        check(messages.front().seq == since + 1, "after: the page starts right after `since`");
    }

    FuzzedDataProvider& in_;
    room_config config_;
    std::optional<rate_table> user_sends_;
    local_room room_;
    millis now_ = start_time;
    seq_t last_seq_ = 0;
    std::vector<message_id> used_ids_;
    std::map<message_id, chat_message> accepted_;
    std::map<seq_t, chat_message> by_seq_;
    std::map<connection_id, user_info> members_;
    std::map<std::string, std::size_t> connections_of_;
    std::map<std::string, seq_t> markers_;
    std::map<std::string, user_info> present_;    // users with a connection here
    std::map<std::string, user_info> announced_;  // users the members heard arrive
    std::optional<millis> presence_due_;
    struct typist_model {
        std::optional<millis> passed_at;  // the last start passed on
        bool shown = false;               // a start passed on and no stop since
    };
    std::map<std::string, typist_model> typing_;  // by user id
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    room_driver driver(input);
    while (input.remaining_bytes() > 0) driver.step();
    return 0;
}
