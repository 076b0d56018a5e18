#include "hub.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "roomchat/codec.hpp"
#include "roomchat/ids.hpp"

#include "clock.hpp"

namespace roomchat::relay {
namespace {

// Log lines a remote address can provoke: a burst of 5, then one a second.
constexpr rate_limit_config log_rate{5, 1000};

// A user's connections together: twice one connection's allowance.
rate_limit_config doubled(rate_limit_config rate) {
    rate.burst *= 2;
    rate.refill_interval_ms = std::max<std::uint32_t>(rate.refill_interval_ms / 2, 1);
    return rate;
}

}  // namespace

hub::hub(const relay_config& config, room_registry& rooms, store::room_store& store,
         const token_verifier& verifier, relay_metrics& metrics, logger& log)
    : config_(config),
      rooms_(rooms),
      store_(store),
      verifier_(verifier),
      metrics_(metrics),
      log_(log),
      user_requests_(doubled(config.request_rate)),
      room_creations_(config.room_creation_rate),
      addresses_(config.ip_rate),
      log_lines_(log_rate) {
    rooms_.on_due([this](room& due, millis now) {
        perform(due.on_timer(now), now);
        rooms_.schedule(due);  // more to announce, or a timer that fired early by the wall clock
    });
    // A dropped room's polls get the page a GET gets now: empty, without epoch.
    rooms_.on_dropped([this](const std::string& room_id, millis now) { wake_polls(room_id, now); });
    store_.on_message(
        [this](const std::string& room_id, const chat_message& message) { deliver(room_id, message); });
    store_.on_presence([this](const std::string& room_id, const user_info& user, bool present) {
        room* held = rooms_.find(room_id);
        if (held == nullptr) return;
        held->elsewhere(user, present, now_millis());
        rooms_.schedule(*held);
    });
    store_.on_muted([this](const std::string& room_id, const std::string& user_id, millis until) {
        const room* held = rooms_.find(room_id);
        if (held != nullptr) perform({held->mute_news(user_id, until)}, now_millis());
    });
    store_.on_typing([this](const std::string& room_id, const user_info& user, bool active) {
        const room* held = rooms_.find(room_id);
        if (held != nullptr) perform({held->typing_elsewhere(user, active)}, now_millis());
    });
}

bool hub::admit_address(const std::string& address, millis now) {
    if (addresses_.try_acquire(address, now) == 0) return true;
    ++metrics_.address_refusals;
    return false;
}

bool hub::may_log(const std::string& address, millis now) {
    return log_lines_.try_acquire(address, now) == 0;
}

void hub::opened(connection_id conn, std::string peer, millis now) {
    connections_.emplace(conn,
                         connection_record(std::move(peer), now, config_.frame_rate, config_.request_rate));
    transport_->wake_at(conn, now + config_.auth_timeout_ms);
}

connection_record* hub::live(connection_id conn) {
    const auto it = connections_.find(conn);
    return it == connections_.end() || it->second.closing ? nullptr : &it->second;
}

bool hub::within_flood_limit(connection_id conn, connection_record& record, millis now) {
    if (record.frames.try_acquire(now) == 0) return true;
    ++metrics_.flood_disconnects;
    drop(conn, errc::rate_limited, close_code::policy_violation, now);
    return false;
}

void hub::text(connection_id conn, std::string_view payload, millis now) {
    connection_record* record = live(conn);
    if (record == nullptr || !within_flood_limit(conn, *record, now)) return;

    codec_limits limits;
    limits.max_frame_bytes = config_.max_frame_bytes;
    auto decoded = decode_client_frame(payload, limits);
    if (!decoded) {
        const decode_error& error = decoded.error();
        log_.write(log_level::debug, "bad_frame",
                   {{"conn", std::to_string(conn)}, {"code", std::string(to_string(error.code))}});
        if (record->claims) {
            send_error(conn, error.code, error.detail);
        } else {
            // A first frame that is not even a frame: nothing to talk about.
            ++metrics_.auth_failures;
            fail(conn, *record, error.code, error.detail);
        }
        return;
    }
    auto& frame = *decoded;
    if (!record->claims && !std::holds_alternative<auth_frame>(frame)) {
        ++metrics_.auth_failures;
        fail(conn, *record, errc::auth_required, "the first frame must be auth");
        return;
    }
    std::visit([&](const auto& f) { handle(conn, *record, f, now); }, frame);
}

void hub::binary(connection_id conn, millis now) {
    connection_record* record = live(conn);
    if (record == nullptr || !within_flood_limit(conn, *record, now)) return;
    send_error(conn, errc::binary_frame, "frames are JSON text; binary frames are ignored");
}

bool hub::ping(connection_id conn, millis now) {
    connection_record* record = live(conn);
    if (record == nullptr || !within_flood_limit(conn, *record, now)) return false;
    if (record->pings.try_acquire(now) == 0) return true;
    ++metrics_.pings_ignored;
    if (++record->ignored_pings > max_ignored_pings) {
        ++metrics_.flood_disconnects;
        drop(conn, errc::rate_limited, close_code::policy_violation, now);
    }
    return false;
}

void hub::pong(connection_id conn, millis now) {
    connection_record* record = live(conn);
    if (record != nullptr) within_flood_limit(conn, *record, now);
}

void hub::deadline(connection_id conn, millis now) {
    if (polls_.count(conn) != 0) {
        answer_with_page(conn, now);  // nothing came: the page is empty
        return;
    }
    connection_record* record = live(conn);
    if (record == nullptr) return;
    if (!record->claims) {
        ++metrics_.auth_failures;
        fail(conn, *record, errc::auth_timeout, "no auth frame within the deadline");
        return;
    }
    const millis end = record->claims->expires_at + config_.token_grace_ms;
    if (now < end) {
        transport_->wake_at(conn, end);  // a refresh moved the end
        return;
    }
    ++metrics_.token_expiry_disconnects;
    log_.write(log_level::info, "token_expired",
               {{"conn", std::to_string(conn)}, {"user", record->claims->user.id}});
    // Out of every room first: nothing more is delivered to it.
    leave_all(conn, *record, now);
    fail(conn, *record, errc::token_expired, "the token expired and no fresh one came; sign in again");
}

void hub::drop(connection_id conn, errc reason, std::uint16_t code, millis now) {
    connection_record* record = live(conn);
    if (record == nullptr) return;
    if (reason == errc::slow_consumer) ++metrics_.slow_consumer_disconnects;
    if (may_log(record->peer, now)) {
        log_.write(log_level::warn, "connection_dropped",
                   {{"conn", std::to_string(conn)},
                    {"peer", record->peer},
                    {"reason", std::string(to_string(reason))}});
    }
    leave_all(conn, *record, now);
    record->closing = true;
    transport_->close(conn, code, std::string(to_string(reason)));
}

void hub::closed(connection_id conn, millis now) {
    const auto it = connections_.find(conn);
    if (it == connections_.end()) return;
    connection_record& record = it->second;
    record.closing = true;  // nothing more is sent to it while the others hear it leave
    leave_all(conn, record, now);
    if (record.claims) {
        const auto user = users_.find(record.claims->user.id);
        if (user != users_.end() && --user->second.connections == 0) users_.erase(user);
    }
    connections_.erase(it);
}

template <class Ask>
std::optional<api_answer> hub::answer_http(connection_id conn, Ask ask) {
    struct slot {
        bool returned = false;
        std::optional<api_answer> answer;
    };
    auto answered = std::make_shared<slot>();
    ask([this, conn, answered](api_answer&& answer) {
        if (answered->returned) {
            transport_->answer_http(conn, answer);
        } else {
            answered->answer = std::move(answer);
        }
    });
    answered->returned = true;
    return std::move(answered->answer);
}

std::optional<api_answer> hub::post_message(connection_id conn, const user_info& user,
                                            const std::string& room_id, const send_frame& frame, bool system,
                                            bool moderator, millis now) {
    if (creation_wait(user.id, room_id, now) > 0) return errc::rate_limited;
    auto opened_room = rooms_.open(room_id);
    if (!opened_room) return opened_room.error();
    auto prepared = (*opened_room)->prepare_send_as(user, frame, now, system, moderator);
    rooms_.release(room_id);
    if (auto* refused = std::get_if<send_outcome>(&prepared)) {
        count_send(*refused);
        return std::move(*refused);
    }
    return answer_http(conn, [&](auto finish) {
        store_.accept(room_id, std::get<send_attempt>(prepared),
                      [this, finish, room_id,
                       attempt = std::get<send_attempt>(prepared)](result<send_decision> decided) {
                          if (!decided) return finish(store_failed(decided.error()));
                          count_send(decided->outcome);
                          log_removal(room_id, attempt, *decided);
                          finish(std::move(decided->outcome));
                      });
    });
}

std::optional<api_answer> hub::query(connection_id conn, const std::string& room_id,
                                     std::optional<seq_t> before, std::optional<seq_t> after,
                                     std::uint32_t limit) {
    return answer_http(conn, [&](auto finish) {
        store_.query(room_id, before, after, limit, [this, finish](result<store::log_page> found) {
            finish(page_or_failure(std::move(found)));
        });
    });
}

std::optional<api_answer> hub::poll(connection_id conn, const token_claims& claims,
                                    const std::string& room_id, seq_t after, std::uint32_t limit,
                                    millis wait_ms, millis now) {
    polls_asked_.insert(conn);
    return answer_http(conn, [&](auto finish) {
        store_.query(
            room_id, std::nullopt, after, limit,
            [this, conn, finish, room_id, after, limit, wait_ms, now, user_id = claims.user.id,
             expires_at = claims.expires_at](result<store::log_page> found) {
                if (polls_asked_.erase(conn) == 0) return;  // the client went away meanwhile
                if (!found) return finish(store_failed(found.error()));
                // A position past the room's latest seq is one of an earlier epoch: no
                // message would ever come after it, so the page (with the new epoch) is due now.
                if (!found->page.messages.empty() || (found->page.epoch && after > found->latest_seq)) {
                    return finish(std::move(found->page));
                }
                std::size_t& users_polls = polls_per_user_[user_id];
                const bool user_cap = users_polls >= config_.max_held_polls_per_user;
                if (user_cap || polls_.size() >= config_.max_held_polls) {
                    if (users_polls == 0) polls_per_user_.erase(user_id);
                    return finish(user_cap ? poll_refusal::user_cap : poll_refusal::relay_cap);
                }
                ++users_polls;
                polls_.emplace(conn, held_poll{room_id, user_id, after, limit, expires_at});
                std::set<connection_id>& waiting = polls_by_room_[room_id];
                waiting.insert(conn);
                if (waiting.size() == 1) store_.watch(room_id, *found);
                transport_->wake_at(conn, now + wait_ms);
                // Delivered here while the page was read (from another relay): due now.
                if (const auto delivered = store_.delivered(room_id);
                    delivered && *delivered > found->latest_seq) {
                    answer_with_page(conn, now);
                }
            });
    });
}

void hub::poll_closed(connection_id conn) {
    polls_asked_.erase(conn);
    const auto it = polls_.find(conn);
    if (it == polls_.end()) return;
    const held_poll& poll = it->second;
    const auto in_room = polls_by_room_.find(poll.room_id);
    if (in_room != polls_by_room_.end()) {
        in_room->second.erase(conn);
        if (in_room->second.empty()) {
            polls_by_room_.erase(in_room);
            store_.unwatch(poll.room_id);
        }
    }
    const auto user = polls_per_user_.find(poll.user_id);
    if (user != polls_per_user_.end() && --user->second == 0) polls_per_user_.erase(user);
    polls_.erase(it);
}

void hub::answer_poll(connection_id conn, const api_answer& answer) {
    poll_closed(conn);
    transport_->answer_http(conn, answer);
}

void hub::answer_with_page(connection_id conn, millis now) {
    const held_poll& poll = polls_.at(conn);
    if (now >= poll.token_expires_at) {
        answer_poll(conn, errc::token_expired);
        return;
    }
    // No longer held while the page is fetched: nothing else answers it.
    const held_poll asked = poll;
    poll_closed(conn);
    store_.query(asked.room_id, std::nullopt, asked.after, asked.limit,
                 [this, conn](result<store::log_page> found) {
                     transport_->answer_http(conn, page_or_failure(std::move(found)));
                 });
}

void hub::wake_polls(const std::string& room_id, millis now) {
    const auto in_room = polls_by_room_.find(room_id);
    if (in_room == polls_by_room_.end()) return;
    // Copied: answering a poll removes it from the set.
    const std::vector<connection_id> waiting(in_room->second.begin(), in_room->second.end());
    for (const connection_id conn : waiting) answer_with_page(conn, now);
}

void hub::shutdown() {
    while (!polls_.empty()) answer_poll(polls_.begin()->first, errc::going_away);
}

void hub::handle(connection_id conn, connection_record& record, const auth_frame& frame, millis now) {
    // A first auth is charged to the address (there is no user yet), a
    // refresh to the connection and its user like any request.
    if (record.claims ? !admit_request(conn, record, {}, now) : !admit_address(record.peer, now)) {
        if (!record.claims) fail(conn, record, errc::rate_limited, "too many sign-ins from this address");
        return;
    }
    auto verified = verifier_.verify(frame.token, now);
    if (verified && verified->service) {
        verified =
            token_rejection{errc::auth_failed, "a service token posts over HTTP and opens no connection"};
    }
    if (!verified) {
        const token_rejection& rejection = verified.error();
        ++metrics_.auth_failures;
        if (may_log(record.peer, now)) {
            log_.write(log_level::info, "auth_failed",
                       {{"conn", std::to_string(conn)}, {"peer", record.peer}, {"detail", rejection.detail}});
        }
        if (record.claims) {
            // A failed refresh keeps the connection on its current token. It
            // is always auth_failed: token_expired without a room means the
            // connection is being closed (the grace ended).
            send_error(conn, errc::auth_failed, "refresh refused: " + rejection.detail);
        } else {
            fail(conn, record, rejection.code, rejection.detail);
        }
        return;
    }
    auto& claims = *verified;
    if (record.claims) {
        if (claims.user.id != record.claims->user.id) {
            ++metrics_.auth_failures;
            send_error(conn, errc::auth_failed, "a refreshed token must name the same user");
            return;
        }
    } else {
        user_state& user = users_[claims.user.id];
        if (user.connections >= config_.max_connections_per_user) {
            if (user.connections == 0) users_.erase(claims.user.id);
            fail(conn, record, errc::too_many_connections, "this user has too many connections open");
            return;
        }
        ++user.connections;
    }
    record.claims = std::move(claims);
    transport_->allow_batches(conn, frame.batch);
    record.reads_typists = frame.typing;
    const std::vector<std::string> joined(record.rooms.begin(), record.rooms.end());
    for (const auto& room_id : joined) {
        if (record.claims->admits(room_id)) continue;
        leave_room(conn, record, room_id, now);
        send_error(conn, errc::room_forbidden, "the refreshed token does not admit this room", room_id);
    }
    transport_->wake_at(conn, record.claims->expires_at + config_.token_grace_ms);

    welcome_frame welcome;
    welcome.user = record.claims->user;
    welcome.max_text_code_points = static_cast<std::uint32_t>(config_.room.text.max_code_points);
    welcome.rate = config_.room.rate;
    welcome.token_expires_at = record.claims->expires_at;
    log_.write(log_level::debug, "authenticated",
               {{"conn", std::to_string(conn)}, {"user", welcome.user.id}});
    send_to(conn, welcome);
}

void hub::handle(connection_id conn, connection_record& record, const join_frame& frame, millis now) {
    if (!record.claims->admits(frame.room)) {
        send_error(conn, errc::room_forbidden, "the token does not admit this room", frame.room);
        return;
    }
    if (expired(conn, record, frame.room, now) || !admit_request(conn, record, frame.room, now)) return;
    const std::string& user_id = record.claims->user.id;
    user_state& user = users_[user_id];
    const bool new_here = record.rooms.count(frame.room) == 0;
    if (new_here && record.rooms.size() >= config_.max_rooms_per_connection) {
        send_error(conn, errc::too_many_rooms,
                   "a connection may be in " + std::to_string(config_.max_rooms_per_connection) + " rooms",
                   frame.room);
        return;
    }
    if (new_here && user.rooms.count(frame.room) == 0 && user.rooms.size() >= config_.max_rooms_per_user) {
        send_error(conn, errc::too_many_rooms,
                   "a user may be in " + std::to_string(config_.max_rooms_per_user) + " rooms", frame.room);
        return;
    }
    if (open_room(conn, user_id, frame.room, now) == nullptr) return;
    if (new_here) {
        record.rooms.insert(frame.room);
        ++user.rooms[frame.room];
    }
    store_.view(frame.room, user_id, frame, [this, conn, room_id = frame.room, now](result<log_view> view) {
        connection_record* joiner = live(conn);
        // Gone, or left the room, while the store answered: nothing to join.
        if (joiner == nullptr || joiner->rooms.count(room_id) == 0) return;
        room* joined = rooms_.find(room_id);
        if (!view || joined == nullptr) {
            // A member joining again stays one; a newcomer is not let in.
            if (joined == nullptr || !joined->is_member(conn)) leave_room(conn, *joiner, room_id, now);
            send_error(conn, view ? errc::internal : store_failed(view.error()),
                       "the room's history could not be read; join again", room_id);
            return;
        }
        const seq_t seen = view->latest_seq;
        const user_info& user = joiner->claims->user;
        const bool arrived = !joined->here(user.id);
        perform(joined->join(conn, user, std::move(*view), now, joiner->claims->moderator_of(room_id)), now);
        rooms_.schedule(*joined);
        if (arrived) store_.present(room_id, user, true);
        // What the room's members got between the view's reading and now
        // (another relay's messages) did not reach the joiner.
        if (const auto delivered = store_.delivered(room_id); delivered && *delivered > seen) {
            catch_up(conn, room_id, seen, *delivered);
        }
    });
}

void hub::catch_up(connection_id conn, const std::string& room_id, seq_t after, seq_t through) {
    store_.query(room_id, std::nullopt, after, static_cast<std::uint32_t>(through - after),
                 [this, conn, room_id, through](result<store::log_page> found) {
                     const room* held = rooms_.find(room_id);
                     if (!found || held == nullptr || !held->is_member(conn)) return;
                     for (const chat_message& message : found->page.messages) {
                         if (message.seq <= through) send_to(conn, message_frame{room_id, message});
                     }
                 });
}

void hub::room_began_again(const std::string& room_id, millis now) {
    const room* held = rooms_.find(room_id);
    if (held == nullptr) return;
    log_.write(log_level::warn, "room_began_again", {{"room", room_id}});
    // They reconnect and join again, as after a relay's restart, and learn the new epoch.
    for (const connection_id conn : held->member_connections()) {
        drop(conn, errc::going_away, close_code::going_away, now);
    }
}

std::uint32_t hub::creation_wait(const std::string& user_id, const std::string& room_id, millis now) {
    return rooms_.find(room_id) != nullptr ? 0 : room_creations_.try_acquire(user_id, now);
}

room* hub::open_room(connection_id conn, const std::string& user_id, const std::string& room_id, millis now) {
    if (const auto wait = creation_wait(user_id, room_id, now); wait > 0) {
        send_error(conn, errc::rate_limited,
                   "creating rooms too fast; the next in " + std::to_string(wait) + " ms", room_id);
        return nullptr;
    }
    auto opened_room = rooms_.open(room_id);
    if (!opened_room) {
        send_error(conn, opened_room.error(), "every room the relay can hold is in use", room_id);
        return nullptr;
    }
    return *opened_room;
}

void hub::handle(connection_id conn, connection_record& record, const leave_frame& frame, millis now) {
    if (!admit_request(conn, record, frame.room, now) || joined_room(conn, frame.room) == nullptr) return;
    leave_room(conn, record, frame.room, now);
}

void hub::handle(connection_id conn, connection_record& record, const send_frame& frame, millis now) {
    if (record.deciding) {
        record.waiting_sends.push_back(frame);
        return;
    }
    if (record.claims->expired(now)) {
        send_to(conn, nack_frame{frame.room, frame.id, errc::token_expired, std::nullopt});
        return;
    }
    room* joined = joined_room(conn, frame.room);
    if (joined == nullptr) return;
    auto prepared = joined->prepare_send(conn, frame, now);
    if (auto* answered = std::get_if<send_result>(&prepared)) {
        count_send(answered->outcome);
        perform(answered->actions, now);
        return;
    }
    auto& attempt = std::get<send_attempt>(prepared);
    record.deciding = true;
    store_.accept(frame.room, attempt,
                  [this, conn, room_id = frame.room, attempt](result<send_decision> decided) {
                      settle(conn, room_id, attempt, std::move(decided));
                      next_send(conn);
                  });
}

void hub::next_send(connection_id conn) {
    connection_record* record = live(conn);
    if (record == nullptr) return;
    record->deciding = false;
    if (record->waiting_sends.empty()) return;
    send_frame frame = std::move(record->waiting_sends.front());
    record->waiting_sends.pop_front();
    handle(conn, *record, frame, now_millis());
}

void hub::settle(connection_id conn, const std::string& room_id, const send_attempt& attempt,
                 result<send_decision> decided) {
    send_decision decision;
    if (decided) {
        decision = std::move(*decided);
    } else {
        decision.outcome.nack = nack_frame{room_id, attempt.id, store_failed(decided.error()), std::nullopt};
    }
    count_send(decision.outcome);
    log_removal(room_id, attempt, decision);
    if (room* held = rooms_.find(room_id)) {
        perform(held->settle(conn, attempt, decision), attempt.now);
    } else if (is_live(conn)) {
        // The room was dropped meanwhile; the answer is still the sender's.
        send_to(conn, send_reply(decision.outcome));
    }
}

void hub::deliver(const std::string& room_id, const chat_message& message) {
    room* held = rooms_.find(room_id);
    if (held == nullptr) {  // watched for polls only
        wake_polls(room_id, message.ts);
        return;
    }
    room_actions actions;
    actions.push_back(held->deliver(message, std::move(delivered_to_)));
    perform(actions, message.ts);
    delivered_to_ = std::move(actions.front().to);
}

void hub::handle(connection_id conn, connection_record& record, const history_request_frame& frame,
                 millis now) {
    if (expired(conn, record, frame.room, now) || !admit_request(conn, record, frame.room, now)) return;
    if (joined_room(conn, frame.room) == nullptr) return;
    store_.query(frame.room, frame.before, frame.after, frame.limit,
                 [this, conn, room_id = frame.room](result<store::log_page> found) {
                     if (!is_live(conn)) return;
                     if (found) {
                         send_to(conn, found->page);
                     } else {
                         send_error(conn, store_failed(found.error()), "the room's history could not be read",
                                    room_id);
                     }
                 });
}

void hub::handle(connection_id conn, connection_record& record, const read_frame& frame, millis now) {
    if (expired(conn, record, frame.room, now) || !admit_request(conn, record, frame.room, now)) return;
    room* joined = joined_room(conn, frame.room);
    if (joined == nullptr) return;
    store_.mark_read(frame.room, record.claims->user.id, frame.seq,
                     [this, conn, room_id = frame.room, now](result<std::optional<seq_t>> moved) {
                         room* held = rooms_.find(room_id);
                         if (!moved) {
                             if (is_live(conn)) {
                                 send_error(conn, store_failed(moved.error()),
                                            "the read marker was not moved", room_id);
                             }
                         } else if (*moved && held != nullptr) {
                             perform(held->marker_moved(conn, **moved), now);
                         }
                     });
}

// Not a request: the room passes on at most one start per user and
// interval, and the flood limit bounds the rest.
void hub::handle(connection_id conn, connection_record& record, const typing_frame& frame, millis now) {
    if (expired(conn, record, frame.room, now)) return;
    room* joined = joined_room(conn, frame.room);
    if (joined == nullptr) return;
    perform_typing(frame.room, joined->typing(conn, frame.active, now), now);
}

// A request like join or read: the connection's and user's allowance pays for it.
void hub::handle(connection_id conn, connection_record& record, const mute_frame& frame, millis now) {
    if (expired(conn, record, frame.room, now)) return;
    room* joined = joined_room(conn, frame.room);
    if (joined == nullptr) return;
    auto prepared = joined->prepare_mute(conn, frame.minutes, now);
    if (auto* refused = std::get_if<room_actions>(&prepared)) {
        perform(*refused, now);
        return;
    }
    if (!admit_request(conn, record, frame.room, now)) return;
    const millis until = std::get<millis>(prepared);
    store_.mute(frame.room, frame.user, until, now,
                [this, conn, room_id = frame.room, user_id = frame.user, minutes = frame.minutes,
                 moderator = record.claims->user.id, now](result<millis> taken) {
                    if (!taken) {
                        if (is_live(conn)) {
                            send_error(conn, store_failed(taken.error()), "the mute was not taken", room_id);
                        }
                        return;
                    }
                    log_.write(log_level::info, minutes == 0 ? "user_unmuted" : "user_muted",
                               {{"room", room_id},
                                {"user", user_id},
                                {"by", moderator},
                                {"minutes", std::to_string(minutes)}});
                    if (const room* held = rooms_.find(room_id))
                        perform(held->muted(conn, user_id, *taken), now);
                });
}

void hub::perform_typing(const std::string& room_id, const room_actions& actions, millis now) {
    perform(actions, now);
    for (const auto& action : actions) {
        if (const auto* typist = std::get_if<typist_frame>(&action.frame)) {
            store_.typing(room_id, typist->user, typist->active);
        }
    }
}

bool hub::admit_request(connection_id conn, connection_record& record, const std::string& room_id,
                        millis now) {
    const std::string& user_id = record.claims->user.id;
    const std::uint32_t wait = std::max(record.requests.wait_ms(now), user_requests_.wait_ms(user_id, now));
    if (wait == 0) {
        static_cast<void>(record.requests.try_acquire(now));
        static_cast<void>(user_requests_.try_acquire(user_id, now));
        return true;
    }
    ++metrics_.requests_refused;
    std::optional<std::string> room;
    if (!room_id.empty()) room = room_id;
    send_error(conn, errc::rate_limited, "too many requests; the next in " + std::to_string(wait) + " ms",
               std::move(room));
    return false;
}

bool hub::expired(connection_id conn, const connection_record& record, const std::string& room_id,
                  millis now) {
    if (!record.claims->expired(now)) return false;
    send_error(conn, errc::token_expired, "the token has expired: send auth with a fresh one", room_id);
    return true;
}

room* hub::joined_room(connection_id conn, const std::string& room_id) {
    room* found = rooms_.find(room_id);
    if (found != nullptr && found->is_member(conn)) return found;
    send_to(conn, not_joined_error(room_id));
    return nullptr;
}

void hub::leave_room(connection_id conn, connection_record& record, const std::string& room_id, millis now) {
    record.rooms.erase(room_id);
    if (record.claims) {
        const auto user = users_.find(record.claims->user.id);
        if (user != users_.end()) {
            const auto in_room = user->second.rooms.find(room_id);
            if (in_room != user->second.rooms.end() && --in_room->second == 0)
                user->second.rooms.erase(in_room);
        }
    }
    room* found = rooms_.find(room_id);
    if (found == nullptr) return;
    const user_info* member = found->member(conn);
    const std::optional<user_info> leaving = member ? std::optional<user_info>(*member) : std::nullopt;
    perform_typing(room_id, found->leave(conn, now), now);
    rooms_.schedule(*found);
    if (leaving && !found->here(leaving->id)) store_.present(room_id, *leaving, false);
    rooms_.release(room_id);
}

void hub::leave_all(connection_id conn, connection_record& record, millis now) {
    const std::vector<std::string> joined(record.rooms.begin(), record.rooms.end());
    for (const auto& room_id : joined) leave_room(conn, record, room_id, now);
}

errc hub::store_failed(errc code) {
    ++metrics_.store_unavailable;
    return code;
}

api_answer hub::page_or_failure(result<store::log_page> found) {
    if (!found) return store_failed(found.error());
    return std::move(found->page);
}

void hub::log_removal(const std::string& room_id, const send_attempt& attempt,
                      const send_decision& decision) {
    if (!decision.message || !decision.message->removes) return;
    log_.write(log_level::info, "message_removed",
               {{"room", room_id},
                {"seq", std::to_string(*decision.message->removes)},
                {"by", attempt.user.id},
                {"moderator", attempt.moderator ? "true" : "false"}});
}

void hub::count_send(const send_outcome& outcome) {
    if (outcome.ack) {
        ++metrics_.acks;
        ++(outcome.duplicate ? metrics_.dedupe_hits : metrics_.messages_accepted);
    }
    if (outcome.nack && outcome.nack->code == errc::rate_limited) ++metrics_.rate_limited;
}

bool hub::is_live(connection_id conn) const {
    const auto it = connections_.find(conn);
    return it != connections_.end() && !it->second.closing;
}

void hub::perform(const room_actions& actions, millis now) {
    for (const auto& action : actions) {
        const auto started = std::chrono::steady_clock::now();
        recipients_.clear();
        // A member whose connection is closing still hears nothing more,
        // and one that did not ask for typists gets none.
        const bool typist = std::holds_alternative<typist_frame>(action.frame);
        for (const connection_id conn : action.to) {
            if (is_live(conn) && (!typist || connections_.at(conn).reads_typists))
                recipients_.push_back(conn);
        }
        // What the room tells its members may wait for a write delay
        // (transport::broadcast); an answer never does, however many it goes to.
        const bool delivery = std::holds_alternative<message_frame>(action.frame) ||
                              std::holds_alternative<presence_frame>(action.frame) ||
                              std::holds_alternative<read_marker_frame>(action.frame) || typist;
        if (!recipients_.empty()) {
            std::string text = encode(action.frame);
            if (delivery) {
                transport_->broadcast(recipients_, std::move(text));
            } else {
                for (const connection_id conn : recipients_) transport_->send(conn, text);
            }
        }
        if (const auto* message = std::get_if<message_frame>(&action.frame)) {
            metrics_.deliveries += recipients_.size();
            const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
            metrics_.observe_fanout(took.count());
            wake_polls(message->room, now);
        }
    }
}

void hub::send_to(connection_id conn, const server_frame& frame) { transport_->send(conn, encode(frame)); }

void hub::send_error(connection_id conn, errc code, std::string detail, std::optional<std::string> room) {
    send_to(conn, error_frame{code, std::move(detail), std::move(room)});
}

void hub::fail(connection_id conn, connection_record& record, errc code, std::string detail) {
    send_error(conn, code, std::move(detail));
    record.closing = true;
    transport_->close(conn, close_code::policy_violation, std::string(to_string(code)));
}

}  // namespace roomchat::relay
