// A client_session fed a stream from the input: relay frames (raw bytes, or
// built from fuzzed fields and encoded so they pass the decoder), the
// transport opening and closing, the network, timers at a moving clock and
// the user's sends, retries, older pages and reads, and relay restarts (a
// new epoch, the connection dropped).
//
// Always checked: every frame the session sends decodes, and sends only carry
// its own messages; the timeline's sequenced rows come first, in strictly
// ascending seq order with unique ids; unread counts only what is shown.
// While the relay stays consistent, also: no id is shown twice, and every id
// send() (or restore()) returned is pending or in the timeline, unless a
// reset of the timeline (truncated history, new epoch) kept only pending ones.
// Consistent means what a real relay guarantees: within an epoch one id per
// seq and one seq per id, seqs from 1; one identity; on each connection one
// epoch, the welcome first and the join page before any live message; acks
// only for messages sent on that connection; nobody else uses this client's
// ids. Frames that break this are still fed in; they only end the checks
// that depend on it.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <fuzzer/FuzzedDataProvider.h>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "roomchat/client_session.hpp"
#include "roomchat/codec.hpp"

#include "check.hpp"

namespace {

using namespace roomchat;
using roomchat::fuzz::check;

constexpr millis start_time = 1'700'000'000'000;
const std::string room_id = "lobby";
const user_info self{"u0", "Ann"};
const std::array<user_info, 3> people{{self, {"u1", "Bob"}, {"u2", "Émile"}}};
const std::array<errc, 9> relay_codes{errc::rate_limited,  errc::internal,       errc::going_away,
                                      errc::text_too_long, errc::id_conflict,    errc::not_joined,
                                      errc::auth_failed,   errc::room_forbidden, errc::token_expired};

class session_driver {
public:
    explicit session_driver(FuzzedDataProvider& in) : in_(in), session_(config_from(in), make_random()) {
        if (in_.ConsumeBool()) restore();
        session_.start(now_);
        drain();
    }

    void step() {
        switch (in_.ConsumeIntegralInRange(0, 15)) {
            case 0:
                deliver(in_.ConsumeRandomLengthString(512));
                break;
            case 1:
            case 2:
                deliver(encode(build_frame()));
                break;
            case 3:
                session_.transport_opened(now_);
                if (link_ == link::opening) link_ = link::open;
                break;
            case 4:
                session_.transport_closed(now_);
                link_ = link::closed;
                break;
            case 5:
                session_.network_changed(in_.ConsumeBool(), now_);
                break;
            case 6: {
                const auto deadline = session_.next_deadline();
                now_ = deadline && *deadline > now_ && in_.ConsumeBool()
                           ? *deadline
                           : now_ + in_.ConsumeIntegralInRange<millis>(0, 20'000);
                session_.on_timer(now_);
                break;
            }
            case 7:
                user_send();
                break;
            case 8: {
                const message_id id = pick_own_id();
                const bool known = is_pending(id);
                check(session_.retry(id, now_).ok() == known, "retry knows exactly the pending messages");
                break;
            }
            case 9:
                session_.load_older(now_);
                break;
            case 10:
                if (in_.ConsumeBool()) {
                    session_.mark_read(pick_seq(), now_);
                } else {
                    watching_ = in_.ConsumeBool();
                    session_.set_watching(watching_, now_);
                }
                break;
            case 11:
                session_.set_token(in_.ConsumeRandomLengthString(16), now_);
                break;
            case 12:
                session_.stop(now_);
                break;
            case 13:
                accepted(pick_sent_id());  // its ack is lost; a later page brings it
                break;
            case 14:
                now_ += in_.ConsumeIntegralInRange<millis>(0, 5'000);
                break;
            default:
                restart_relay();
                break;
        }
        drain();
        check_timeline();
        check(!watching_ || session_.unread_count() == 0, "a watching reader has read everything");
    }

private:
    enum class link { closed, opening, open };

    static client_config config_from(FuzzedDataProvider& in) {
        client_config config;
        config.room = room_id;
        config.token = "token";
        config.max_send_attempts = in.ConsumeIntegralInRange<std::uint32_t>(1, 5);
        config.page_size = in.ConsumeIntegralInRange<std::uint32_t>(1, 8);
        config.request_timeout_ms = in.ConsumeIntegralInRange<millis>(1'000, 10'000);
        return config;
    }

    // Deterministic bytes: ids differ within a run and repeat across runs.
    random_source make_random() {
        return [this](std::uint8_t* data, std::size_t size) {
            for (std::size_t i = 0; i < size; ++i) {
                random_state_ = random_state_ * 6364136223846793005ULL + 1442695040888963407ULL;
                data[i] = static_cast<std::uint8_t>(random_state_ >> 56U);
            }
        };
    }

    void restore() {
        std::vector<pending_message> messages;
        for (int i = in_.ConsumeIntegralInRange(1, 3); i > 0; --i) {
            pending_message message;
            message.id = random_id();
            message.text = in_.ConsumeRandomLengthString(32);
            message.created_at = start_time - in_.ConsumeIntegralInRange<millis>(0, 100'000);
            if (in_.ConsumeBool()) message.failure = pick_code();
            messages.push_back(std::move(message));
        }
        check(session_.restore(messages, now_).ok(), "restore before start succeeds");
        for (const auto& message : session_.pending()) track(message.id);
    }

    void user_send() {
        const auto sent = session_.send(in_.ConsumeRandomLengthString(48), now_);
        if (sent) track(*sent);
    }

    void track(const message_id& id) {
        if (own_.insert(id).second) own_list_.push_back(id);
        owed_.insert(id);
    }

    bool is_pending(const message_id& id) const {
        const auto pending = session_.pending();
        return std::any_of(pending.begin(), pending.end(),
                           [&](const pending_message& p) { return p.id == id; });
    }

    // ---- picking fields

    message_id random_id() {
        std::array<std::uint8_t, message_id::size_bytes> bytes{};
        for (auto& byte : bytes) byte = in_.ConsumeIntegral<std::uint8_t>();
        return message_id(bytes);
    }

    message_id pick_own_id() {
        if (own_list_.empty() || in_.ConsumeIntegralInRange(0, 7) == 0) return random_id();
        return own_list_[in_.ConsumeIntegralInRange<std::size_t>(0, own_list_.size() - 1)];
    }

    // An id the relay may acknowledge: one sent on this connection, else any.
    message_id pick_sent_id() {
        if (sent_here_.empty() || in_.ConsumeIntegralInRange(0, 7) == 0) return pick_own_id();
        auto it = sent_here_.begin();
        std::advance(it, in_.ConsumeIntegralInRange<std::size_t>(0, sent_here_.size() - 1));
        return *it;
    }

    seq_t pick_seq() {
        switch (in_.ConsumeIntegralInRange(0, 7)) {
            case 0:
                return in_.ConsumeIntegral<seq_t>();
            case 1:
                return in_.ConsumeIntegralInRange<seq_t>(0, newest_ + 3);
            default:
                return newest_;
        }
    }

    // The seq a real relay gives `id`: the one it already has, else the next.
    seq_t seq_for(const message_id& id) {
        if (in_.ConsumeIntegralInRange(0, 15) == 0) return in_.ConsumeIntegralInRange<seq_t>(0, newest_ + 3);
        const auto known = logged_seq_of_.find(id);
        return known != logged_seq_of_.end() ? known->second : newest_ + 1;
    }

    errc pick_code() {
        return relay_codes[in_.ConsumeIntegralInRange<std::size_t>(0, relay_codes.size() - 1)];
    }

    std::string pick_room() { return in_.ConsumeIntegralInRange(0, 15) == 0 ? "other" : room_id; }

    const user_info& pick_person() {
        return people[in_.ConsumeIntegralInRange<std::size_t>(0, people.size() - 1)];
    }

    // ---- relay frames

    server_frame build_frame() {
        switch (in_.ConsumeIntegralInRange(0, 8)) {
            case 0: {
                welcome_frame frame;
                frame.user = in_.ConsumeIntegralInRange(0, 7) == 0 ? pick_person() : self;
                frame.max_text_code_points = in_.ConsumeIntegralInRange<std::uint32_t>(0, 600);
                frame.rate.burst = in_.ConsumeIntegralInRange<std::uint32_t>(0, 8);
                frame.rate.refill_interval_ms = in_.ConsumeIntegralInRange<std::uint32_t>(0, 5'000);
                frame.token_expires_at = now_ + in_.ConsumeIntegralInRange<millis>(-1'000, 3'600'000);
                return frame;
            }
            case 1: {
                joined_frame frame;
                frame.room = pick_room();
                for (const auto& person : people) {
                    if (in_.ConsumeBool()) frame.members.push_back(person);
                }
                frame.member_count = static_cast<std::uint32_t>(frame.members.size());
                frame.read_seq = pick_seq();
                frame.latest_seq = pick_seq();
                frame.epoch = epoch_;
                return frame;
            }
            case 2:
                return build_history();
            case 3:
                return build_ack();
            case 4: {
                nack_frame frame;
                frame.room = pick_room();
                frame.id = pick_sent_id();
                frame.code = pick_code();
                if (in_.ConsumeBool()) {
                    frame.retry_after_ms = in_.ConsumeIntegralInRange<std::uint32_t>(0, 60'000);
                }
                return frame;
            }
            case 5: {
                message_frame frame;
                frame.room = pick_room();
                frame.message = build_message();
                return frame;
            }
            case 6: {
                presence_frame frame;
                frame.room = pick_room();
                frame.event = in_.ConsumeBool() ? presence_event::join : presence_event::leave;
                frame.user = pick_person();
                return frame;
            }
            case 7: {
                read_marker_frame frame;
                frame.room = pick_room();
                frame.seq = pick_seq();
                return frame;
            }
            default: {
                error_frame frame;
                frame.code = pick_code();
                frame.message = in_.ConsumeRandomLengthString(32);
                if (in_.ConsumeBool()) frame.room = pick_room();
                return frame;
            }
        }
    }

    // A message by someone else (or this user's other tab): new, or one the
    // relay already holds.
    chat_message build_message() {
        if (!log_.empty() && in_.ConsumeBool()) {
            auto it = log_.lower_bound(in_.ConsumeIntegralInRange<seq_t>(0, newest_));
            return it != log_.end() ? it->second : log_.rbegin()->second;
        }
        chat_message message;
        message.id = random_id();
        message.seq = seq_for(message.id);
        message.from = pick_person();
        message.text = in_.ConsumeRandomLengthString(32);
        message.ts = now_;
        remember(message);
        return message;
    }

    history_frame build_history() {
        history_frame frame;
        frame.room = pick_room();
        frame.epoch = epoch_;
        frame.mode = static_cast<history_mode>(in_.ConsumeIntegralInRange(0, 2));
        frame.truncated = in_.ConsumeBool();
        frame.has_more = in_.ConsumeBool();
        const seq_t first = in_.ConsumeIntegralInRange<seq_t>(0, newest_ + 1);
        const auto count = in_.ConsumeIntegralInRange<std::size_t>(0, 8);
        for (auto it = log_.lower_bound(first); it != log_.end() && frame.messages.size() < count; ++it) {
            frame.messages.push_back(it->second);
        }
        if (in_.ConsumeBool()) frame.messages.push_back(build_message());
        return frame;
    }

    // The relay accepted one of this client's messages.
    chat_message accepted(const message_id& id) {
        chat_message message;
        message.seq = seq_for(id);
        message.id = id;
        message.from = self;
        message.text = in_.ConsumeRandomLengthString(32);
        message.ts = now_;
        for (const auto& entry : session_.pending()) {
            if (entry.id == id) message.text = entry.text;
        }
        remember(message);
        return message;
    }

    ack_frame build_ack() {
        const chat_message message = accepted(pick_sent_id());
        ack_frame frame;
        frame.room = pick_room();
        frame.epoch = epoch_;
        frame.id = message.id;
        frame.seq = message.seq;
        frame.ts = message.ts;
        return frame;
    }

    // The relay starts over: a new epoch, an empty room, every connection cut.
    void restart_relay() {
        epoch_ = "e" + std::to_string(++restarts_);
        log_.clear();
        logged_seq_of_.clear();
        newest_ = 0;
        session_.transport_closed(now_);
        link_ = link::closed;
    }

    void remember(const chat_message& message) {
        if (message.seq == 0) return;
        newest_ = std::max(newest_, message.seq);
        log_.try_emplace(message.seq, message);
        logged_seq_of_.try_emplace(message.id, message.seq);
    }

    // ---- feeding the session and reading what comes out

    void deliver(const std::string& text) {
        if (link_ == link::open) {
            const auto decoded = decode_server_frame(text);
            if (const server_frame* frame = decoded ? &*decoded : nullptr) {
                if (!welcomed_here_ && !std::holds_alternative<welcome_frame>(*frame) &&
                    !std::holds_alternative<error_frame>(*frame)) {
                    consistent_ = false;
                }
                std::visit([this](const auto& f) { account(f); }, *frame);
            }
        }
        session_.receive(text, now_);
    }

    void account(const joined_frame& frame) {
        if (frame.room == room_id) same_epoch(frame.epoch);
    }
    void account(const welcome_frame& frame) {
        if (frame.user.id != self.id) consistent_ = false;
        welcomed_here_ = true;
    }
    void account(const history_frame& frame) {
        if (frame.room != room_id) return;
        if (frame.epoch) {
            same_epoch(*frame.epoch);
        } else {
            consistent_ = false;  // only the HTTP API leaves it out
        }
        for (const auto& message : frame.messages) number(message.seq, message.id, message.from);
        if (frame.mode != history_mode::before) paged_here_ = true;
    }
    void account(const ack_frame& frame) {
        if (frame.room != room_id) return;
        same_epoch(frame.epoch);
        if (is_pending(frame.id) && sent_here_.count(frame.id) == 0) consistent_ = false;
        number(frame.seq, frame.id, self);
    }
    void account(const message_frame& frame) {
        if (frame.room != room_id) return;
        if (!paged_here_) consistent_ = false;
        number(frame.message.seq, frame.message.id, frame.message.from);
    }
    template <typename Frame>
    void account(const Frame& /*frame*/) {}

    void same_epoch(const std::string& epoch) {
        if (epoch_here_ && *epoch_here_ != epoch) consistent_ = false;
        epoch_here_ = epoch;
    }

    // A message the relay numbered: the same numbering as before in this
    // connection's epoch, and this client's ids only for this user.
    void number(seq_t seq, const message_id& id, const user_info& from) {
        const std::string epoch = epoch_here_.value_or("");
        const auto by_seq = id_of_[epoch].try_emplace(seq, id).first;
        const auto by_id = seq_of_[epoch].try_emplace(id, seq).first;
        if (seq == 0 || by_seq->second != id || by_id->second != seq ||
            (own_.count(id) != 0 && from.id != self.id)) {
            consistent_ = false;
        }
    }

    void drain() {
        for (const auto& text : session_.take_frames()) {
            const auto decoded = decode_client_frame(text);
            check(decoded.ok(), "every frame the session sends decodes");
            if (const auto* send = std::get_if<send_frame>(&*decoded)) {
                check(send->room == room_id && own_.count(send->id) == 1,
                      "the session sends only its own messages");
                sent_here_.insert(send->id);
            }
        }
        bool reset = false;
        for (const auto& event : session_.take_events()) {
            if (std::holds_alternative<events::open_transport>(event)) {
                link_ = link::opening;
                epoch_here_.reset();
                welcomed_here_ = false;
                paged_here_ = false;
                sent_here_.clear();
            } else if (std::holds_alternative<events::close_transport>(event)) {
                link_ = link::closed;
            } else if (std::holds_alternative<events::timeline_reset>(event)) {
                reset = true;
            }
        }
        if (reset) forget_unshown();
    }

    std::set<message_id> shown_ids() const {
        std::set<message_id> ids;
        for (const auto& row : session_.timeline()) ids.insert(row.id);
        return ids;
    }

    // A reset timeline keeps only pending messages: acknowledged ones it no
    // longer shows are no longer owed.
    void forget_unshown() {
        const auto shown = shown_ids();
        for (auto it = owed_.begin(); it != owed_.end();) {
            it = shown.count(*it) == 0 ? owed_.erase(it) : std::next(it);
        }
    }

    void check_timeline() const {
        const auto rows = session_.timeline();
        std::set<message_id> sequenced_ids;
        std::set<message_id> ids;
        std::size_t sequenced = 0;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (rows[i].seq == 0) continue;
            check(i == sequenced, "sequenced rows come before pending ones");
            check(i == 0 || rows[i - 1].seq < rows[i].seq,
                  "sequenced rows are in strictly ascending seq order");
            check(sequenced_ids.insert(rows[i].id).second, "sequenced rows have unique ids");
            ++sequenced;
        }
        check(session_.unread_count() <= sequenced, "unread counts only shown messages");
        if (!consistent_) return;
        for (const auto& row : rows) check(ids.insert(row.id).second, "no id is shown twice");
        for (const auto& id : owed_) {
            check(ids.count(id) == 1, "every sent message is pending or in the timeline");
        }
    }

    FuzzedDataProvider& in_;
    std::uint64_t random_state_ = 0x726f6f6d63686174ULL;
    client_session session_;
    millis now_ = start_time;
    bool watching_ = false;  // what set_watching() was last told

    link link_ = link::closed;
    std::optional<std::string> epoch_here_;  // this connection's
    bool welcomed_here_ = false;             // this connection brought a welcome
    bool paged_here_ = false;                // and the join page
    std::set<message_id> sent_here_;         // send frames on this connection
    std::set<message_id> own_;               // every id send() and restore() returned
    std::vector<message_id> own_list_;       // the same, to pick from
    std::set<message_id> owed_;              // those the session must still show

    // The relay's numbering in each epoch, as the frames fed so far tell it.
    std::map<std::string, std::map<seq_t, message_id>> id_of_;
    std::map<std::string, std::map<message_id, seq_t>> seq_of_;
    bool consistent_ = true;

    // What the built frames' relay holds.
    std::string epoch_ = "e0";
    int restarts_ = 0;
    std::map<seq_t, chat_message> log_;
    std::map<message_id, seq_t> logged_seq_of_;
    seq_t newest_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider input(data, size);
    session_driver driver(input);
    while (input.remaining_bytes() > 0) driver.step();
    return 0;
}
