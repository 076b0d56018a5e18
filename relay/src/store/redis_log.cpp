#include "redis_log.hpp"

#include <charconv>
#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "roomchat/codec.hpp"
#include "roomchat/detail/json_shapes.hpp"
#include "roomchat/history.hpp"

#include "lua_scripts.hpp"

namespace roomchat::relay::store {
namespace {

using redis::reply;

std::string room_key(const std::string& room_id, std::string_view part) {
    std::string key = "roomchat:room:{";
    key += room_id;
    key += "}:";
    key += part;
    return key;
}

std::string user_key(const std::string& user_id) { return "roomchat:user:{" + user_id + "}:sends"; }

// A message as the log stores it: its frame as the codec writes it, with
// seq 0, since Redis gives the seq only once it accepts it.
std::string stored(const std::string& room_id, chat_message message) {
    message.seq = 0;
    return encode(server_frame{message_frame{room_id, std::move(message)}});
}

std::optional<chat_message> restored(std::string_view text, seq_t seq) {
    auto frame = decode_server_frame(text);
    if (!frame) return std::nullopt;
    auto* message = std::get_if<message_frame>(&*frame);
    if (message == nullptr) return std::nullopt;
    message->message.seq = seq;
    return std::move(message->message);
}

bool is_integer(const reply& r) { return r.type == reply::kind::integer; }
bool is_text(const reply& r) { return r.type == reply::kind::string || r.type == reply::kind::status; }

// What a reply that is not the script's own says: Redis did not decide.
template <class T>
bool failed(const result<reply, redis::failure>& answer, const redis_log::handler<T>& done) {
    if (answer && !answer->is_error() && answer->type == reply::kind::array) return false;
    done(errc::unavailable);
    return true;
}

// {"id": ..., "name": ...} (json_shapes.hpp's user_json), as a reaction's
// users and the channel's presence and typing news carry a user.
std::optional<user_info> user_of(const nlohmann::json& user) {
    const auto id = user.is_object() ? user.find("id") : user.end();
    const auto name = user.is_object() ? user.find("name") : user.end();
    if (id == user.end() || !id->is_string() || name == user.end() || !name->is_string()) {
        return std::nullopt;
    }
    return user_info{id->get<std::string>(), name->get<std::string>()};
}

// A message's reactions as accept.lua keeps them: {"seq": N, "r": [{"e":
// emoji, "u": [users]}]}, where an empty "r" may read as an object (Lua's
// JSON cannot tell an empty array from an empty object). False when it is
// not that.
bool restore_reactions(std::string_view text, chat_message& message) {
    const auto state = nlohmann::json::parse(text, nullptr, false);
    if (!state.is_object()) return false;
    const auto seq = state.find("seq");
    const auto tallies = state.find("r");
    if (seq == state.end() || !seq->is_number_unsigned() || tallies == state.end() ||
        !(tallies->is_array() || (tallies->is_object() && tallies->empty()))) {
        return false;
    }
    message.reactions_seq = seq->get<seq_t>();
    for (const auto& tally : *tallies) {
        const auto emoji = tally.is_object() ? tally.find("e") : tally.end();
        const auto users = tally.is_object() ? tally.find("u") : tally.end();
        if (emoji == tally.end() || !emoji->is_string() || users == tally.end() || !users->is_array())
            return false;
        reaction_tally restored_tally{emoji->get<std::string>(), {}};
        for (const auto& user : *users) {
            auto restored_user = user_of(user);
            if (!restored_user) return false;
            restored_tally.users.push_back(std::move(*restored_user));
        }
        message.reactions.push_back(std::move(restored_tally));
    }
    return true;
}

// A page from its flat reply (pages.lua) from `at` on: has_more,
// truncated, then seq, message, whether it was removed and its reactions
// for each entry.
std::optional<history_page> page_from(const std::vector<reply>& elements, std::size_t at) {
    if (elements.size() < at + 2 || !is_integer(elements[at]) || !is_integer(elements[at + 1]) ||
        (elements.size() - at - 2) % 4 != 0) {
        return std::nullopt;
    }
    history_page page;
    page.has_more = elements[at].integer != 0;
    page.truncated = elements[at + 1].integer != 0;
    for (std::size_t i = at + 2; i < elements.size(); i += 4) {
        if (!is_integer(elements[i]) || !is_text(elements[i + 1]) || !is_integer(elements[i + 2]) ||
            !is_text(elements[i + 3])) {
            return std::nullopt;
        }
        auto message = restored(elements[i + 1].text, static_cast<seq_t>(elements[i].integer));
        if (!message ||
            (!elements[i + 3].text.empty() && !restore_reactions(elements[i + 3].text, *message))) {
            return std::nullopt;
        }
        page.messages.push_back(elements[i + 2].integer != 0 ? tombstone(std::move(*message))
                                                             : std::move(*message));
    }
    return page;
}

// A user as presence entries and typing signals carry it on the channel.
std::string user_json(const user_info& user) { return detail::user_json<nlohmann::json>(user).dump(); }

std::optional<user_info> user_published(std::string_view text) {
    return user_of(nlohmann::json::parse(text, nullptr, false));
}

std::string number(std::uint64_t value) { return std::to_string(value); }
std::string number(std::int64_t value) { return std::to_string(value); }

}  // namespace

redis_log::redis_log(redis::client& redis, const room_config& config,
                     std::optional<rate_limit_config> user_sends, random_source random)
    : redis_(redis),
      config_(config),
      user_sends_(user_sends),
      random_(std::move(random)),
      accept_(std::string(lua::accept)),
      view_(std::string(lua::view)),
      page_(std::string(lua::page)),
      mark_read_(std::string(lua::mark_read)),
      touch_(std::string(lua::touch)),
      presence_(std::string(lua::presence)) {}

void redis_log::load_scripts() const {
    for (const redis::script* script : {&accept_, &view_, &page_, &mark_read_, &touch_, &presence_}) {
        script->load(redis_);
    }
}

void redis_log::keep(const std::vector<std::string>& room_ids, millis ttl_ms, handler<std::size_t> done) {
    std::vector<std::string> keys;
    keys.reserve(room_ids.size() * 12);
    for (const std::string& room_id : room_ids) {
        for (const char* part : {"epoch", "seq", "log", "bytes", "ids", "id_order", "read", "read_pruned_at",
                                 "presence", "presence_users", "removed", "reactions"}) {
            keys.push_back(room_key(room_id, part));
        }
    }
    touch_.run(redis_, keys, {number(ttl_ms)},
               [done = std::move(done)](result<reply, redis::failure> answer) {
                   if (!answer || answer->type != reply::kind::integer) {
                       done(errc::unavailable);
                       return;
                   }
                   done(static_cast<std::size_t>(answer->integer));
               });
}

std::string redis_log::channel(const std::string& room_id) { return room_key(room_id, "messages"); }

std::optional<redis_log::published_message> redis_log::published(std::string_view payload) {
    const auto first = payload.find(' ');
    const auto second = first == std::string_view::npos ? first : payload.find(' ', first + 1);
    if (second == std::string_view::npos || first == 0 || second == first + 1) return std::nullopt;
    seq_t seq = 0;
    const auto [end, error] = std::from_chars(payload.data(), payload.data() + first, seq);
    if (error != std::errc() || end != payload.data() + first) return std::nullopt;
    auto message = restored(payload.substr(second + 1), seq);
    if (!message) return std::nullopt;
    return published_message{std::string(payload.substr(first + 1, second - first - 1)), std::move(*message)};
}

void redis_log::presence(const std::string& room_id, const std::string& relay, millis lease_ms, millis ttl_ms,
                         bool publish_all, const std::vector<presence_change>& changes,
                         handler<std::size_t> done) {
    std::vector<std::string> args = {channel(room_id), relay, number(lease_ms), number(ttl_ms),
                                     publish_all ? "1" : "0"};
    args.reserve(5 + changes.size() * 3);
    for (const presence_change& change : changes) {
        args.emplace_back(change.present ? "+" : "-");
        args.push_back(change.user.id);
        args.push_back(user_json(change.user));
    }
    presence_.run(redis_, {room_key(room_id, "presence"), room_key(room_id, "presence_users")}, args,
                  [done = std::move(done)](result<reply, redis::failure> answer) {
                      if (!answer || answer->type != reply::kind::integer) {
                          done(errc::unavailable);
                          return;
                      }
                      done(static_cast<std::size_t>(answer->integer));
                  });
}

std::optional<presence_news> redis_log::presence_published(std::string_view payload) {
    constexpr std::string_view some = "presence";
    constexpr std::string_view every = "presence all";
    const std::size_t header_end = std::min(payload.find('\n'), payload.size());
    const std::string_view header = payload.substr(0, header_end);
    if (header != some && header != every) return std::nullopt;
    presence_news news;
    news.all = header == every;
    for (std::size_t at = header_end + 1; at < payload.size();) {
        const std::size_t end = std::min(payload.find('\n', at), payload.size());
        const std::string_view line = payload.substr(at, end - at);
        at = end + 1;
        const std::size_t space = line.find(' ', 2);
        if (line.size() < 4 || (line[0] != '+' && line[0] != '-') || line[1] != ' ' ||
            space == std::string_view::npos) {
            return std::nullopt;
        }
        auto user = user_published(line.substr(space + 1));
        if (!user) return std::nullopt;
        news.entries.push_back({std::string(line.substr(2, space - 2)), std::move(*user), line[0] == '+'});
    }
    return news;
}

void redis_log::typing(const std::string& room_id, const std::string& relay, const user_info& user,
                       bool active) {
    std::string payload = "typing " + relay + (active ? " + " : " - ") + user_json(user);
    redis_.command({"PUBLISH", channel(room_id), std::move(payload)},
                   [](const result<reply, redis::failure>&) {});  // lost: it expires by itself
}

std::optional<redis_log::published_typing> redis_log::typing_published(std::string_view payload) {
    constexpr std::string_view header = "typing ";
    if (payload.substr(0, header.size()) != header) return std::nullopt;
    payload.remove_prefix(header.size());
    const std::size_t space = payload.find(' ');
    if (space == 0 || space == std::string_view::npos || payload.size() < space + 4 ||
        (payload[space + 1] != '+' && payload[space + 1] != '-') || payload[space + 2] != ' ') {
        return std::nullopt;
    }
    auto user = user_published(payload.substr(space + 3));
    if (!user) return std::nullopt;
    return published_typing{std::string(payload.substr(0, space)), std::move(*user),
                            payload[space + 1] == '+'};
}

void redis_log::accept(const std::string& room_id, const send_attempt& attempt, handler<send_decision> done) {
    chat_message message{
        0,           attempt.id,       attempt.user,   attempt.text ? *attempt.text : std::string(),
        attempt.now, attempt.media_ms, attempt.system, attempt.removes,
        false,       attempt.reaction};
    const rate_limit_config across = user_sends_.value_or(rate_limit_config{0, 0});
    std::vector<std::string> keys = {room_key(room_id, "epoch"),
                                     room_key(room_id, "seq"),
                                     room_key(room_id, "log"),
                                     room_key(room_id, "bytes"),
                                     room_key(room_id, "ids"),
                                     room_key(room_id, "id_order"),
                                     room_key(room_id, "rate:" + attempt.user.id),
                                     user_key(attempt.user.id),
                                     room_key(room_id, "mute:" + attempt.user.id),
                                     room_key(room_id, "removed"),
                                     room_key(room_id, "reactions")};
    std::vector<std::string> args = {
        generate_epoch(random_),
        attempt.id.to_string(),
        attempt.user.id,
        attempt.text ? "0" : "1",
        number(std::uint64_t{attempt.held_wait_ms}),
        attempt.system ? "1" : "0",
        number(attempt.now),
        number(std::uint64_t{config_.rate.burst}),
        number(std::uint64_t{config_.rate.refill_interval_ms}),
        number(std::uint64_t{user_sends_ ? across.burst : 0}),
        number(std::uint64_t{across.refill_interval_ms}),
        number(std::uint64_t{config_.history.max_messages}),
        number(std::uint64_t{config_.history.max_bytes}),
        number(std::uint64_t{std::max(config_.dedupe_capacity, config_.history.max_messages)}),
        stored(room_id, message),
        number(std::uint64_t{message_bytes(message)}),
        channel(room_id),
        attempt.removes ? number(*attempt.removes) : std::string(),
        attempt.moderator ? "1" : "0",
        attempt.reaction ? number(attempt.reaction->to) : std::string(),
        attempt.reaction ? attempt.reaction->emoji : std::string(),
        attempt.reaction && attempt.reaction->add ? "1" : "0"};
    accept_.run(redis_, keys, args,
                [room_id, attempt, message = std::move(message),
                 done = std::move(done)](result<reply, redis::failure> answer) mutable {
                    if (failed(answer, done)) return;
                    const std::vector<reply>& got = answer->elements;
                    send_decision decision;
                    const auto refuse = [&](errc code, std::optional<std::uint32_t> retry = std::nullopt) {
                        decision.outcome.nack = nack_frame{room_id, attempt.id, code, retry};
                        done(std::move(decision));
                    };
                    const std::string verdict = got.empty() ? std::string() : got[0].text;
                    if (verdict == "conflict") return refuse(errc::id_conflict);
                    if (verdict == "text" && !attempt.text) return refuse(attempt.text.error());
                    if (verdict == "no_such_message") return refuse(errc::no_such_message);
                    if (verdict == "not_moderator") return refuse(errc::not_moderator);
                    if (verdict == "muted" && got.size() == 2 && is_integer(got[1])) {
                        return refuse(errc::muted, static_cast<std::uint32_t>(got[1].integer));
                    }
                    if (verdict == "wait" && got.size() == 2 && is_integer(got[1])) {
                        return refuse(errc::rate_limited, static_cast<std::uint32_t>(got[1].integer));
                    }
                    if (verdict != "ack" || got.size() != 5 || !is_text(got[1]) || !is_integer(got[2]) ||
                        !is_integer(got[3]) || !is_integer(got[4])) {
                        done(errc::internal);
                        return;
                    }
                    const auto seq = static_cast<seq_t>(got[2].integer);
                    const millis ts = got[3].integer;
                    decision.outcome.ack = ack_frame{room_id, got[1].text, attempt.id, seq, ts};
                    decision.outcome.duplicate = got[4].integer != 0;
                    if (!decision.outcome.duplicate) {
                        message.seq = seq;
                        decision.message = std::move(message);
                    }
                    done(std::move(decision));
                });
}

void redis_log::view(const std::string& room_id, const std::string& user_id, const join_frame& request,
                     handler<log_view> done) {
    std::vector<std::string> keys = {room_key(room_id, "epoch"),    room_key(room_id, "seq"),
                                     room_key(room_id, "log"),      room_key(room_id, "read"),
                                     room_key(room_id, "removed"),  room_key(room_id, "mute:" + user_id),
                                     room_key(room_id, "reactions")};
    std::vector<std::string> args = {
        generate_epoch(random_), user_id, request.since ? number(*request.since) : std::string(),
        request.epoch.value_or(std::string()), number(std::uint64_t{config_.page_size})};
    view_.run(redis_, keys, args, [room_id, done = std::move(done)](result<reply, redis::failure> answer) {
        if (failed(answer, done)) return;
        const std::vector<reply>& got = answer->elements;
        if (got.size() < 5 || !is_text(got[0]) || !is_integer(got[1]) || !is_integer(got[2]) ||
            !is_integer(got[3]) || !is_text(got[4])) {
            done(errc::internal);
            return;
        }
        auto page = page_from(got, 5);
        if (!page) {
            done(errc::internal);
            return;
        }
        log_view view;
        view.epoch = got[0].text;
        view.latest_seq = static_cast<seq_t>(got[1].integer);
        view.read_seq = static_cast<seq_t>(got[2].integer);
        view.muted_until = got[3].integer;
        const history_mode mode = got[4].text == "latest" ? history_mode::latest : history_mode::after;
        view.history = page_frame(room_id, view.epoch, mode, std::move(*page));
        done(std::move(view));
    });
}

void redis_log::query(const std::string& room_id, std::optional<seq_t> before, std::optional<seq_t> after,
                      std::uint32_t limit, handler<log_page> done) {
    const history_mode mode = page_mode(before, after);
    const seq_t position = before ? *before : after ? *after : 0;
    const char* mode_name = mode == history_mode::before  ? "before"
                            : mode == history_mode::after ? "after"
                                                          : "latest";
    const std::uint32_t capped = std::min(limit, config_.max_page_size);
    page_.run(redis_,
              {room_key(room_id, "epoch"), room_key(room_id, "seq"), room_key(room_id, "log"),
               room_key(room_id, "removed"), room_key(room_id, "reactions")},
              {mode_name, number(position), number(std::uint64_t{capped})},
              [room_id, mode, done = std::move(done)](result<reply, redis::failure> answer) {
                  if (failed(answer, done)) return;
                  const std::vector<reply>& got = answer->elements;
                  if (got.empty()) {
                      done(log_page{page_frame(room_id, std::nullopt, mode, {}), 0});
                      return;
                  }
                  auto page = got.size() >= 2 && is_text(got[0]) && is_integer(got[1]) ? page_from(got, 2)
                                                                                       : std::nullopt;
                  if (!page) {
                      done(errc::internal);
                      return;
                  }
                  done(log_page{page_frame(room_id, got[0].text, mode, std::move(*page)),
                                static_cast<seq_t>(got[1].integer)});
              });
}

void redis_log::mark_read(const std::string& room_id, const std::string& user_id, seq_t seq,
                          handler<std::optional<seq_t>> done) {
    mark_read_.run(redis_,
                   {room_key(room_id, "seq"), room_key(room_id, "read"), room_key(room_id, "log"),
                    room_key(room_id, "read_pruned_at")},
                   {user_id, number(seq)}, [done = std::move(done)](result<reply, redis::failure> answer) {
                       if (!answer || answer->type != reply::kind::integer) {
                           done(answer && !answer->is_error() ? errc::internal : errc::unavailable);
                           return;
                       }
                       if (answer->integer < 0) {
                           done(std::optional<seq_t>());
                           return;
                       }
                       done(std::optional<seq_t>(static_cast<seq_t>(answer->integer)));
                   });
}

void redis_log::mute_news(const std::string& room_id, const std::string& relay, const std::string& user_id,
                          millis until) {
    redis_.command({"PUBLISH", channel(room_id), "muted " + relay + " " + user_id + " " + number(until)},
                   [](const result<reply, redis::failure>&) {});  // lost: the next send's nack tells
}

std::optional<redis_log::published_mute> redis_log::mute_published(std::string_view payload) {
    constexpr std::string_view header = "muted ";
    if (payload.substr(0, header.size()) != header) return std::nullopt;
    payload.remove_prefix(header.size());
    const std::size_t first = payload.find(' ');
    const std::size_t second = first == std::string_view::npos ? first : payload.find(' ', first + 1);
    if (second == std::string_view::npos || first == 0 || second == first + 1) return std::nullopt;
    const std::string_view user_id = payload.substr(first + 1, second - first - 1);
    const std::string_view until_text = payload.substr(second + 1);
    millis until = 0;
    const auto [end, error] =
        std::from_chars(until_text.data(), until_text.data() + until_text.size(), until);
    if (error != std::errc() || end != until_text.data() + until_text.size() || until < 0 ||
        !validate_user_id(user_id)) {
        return std::nullopt;
    }
    return published_mute{std::string(payload.substr(0, first)), std::string(user_id), until};
}

void redis_log::mute(const std::string& room_id, const std::string& user_id, millis until, millis now,
                     handler<millis> done) {
    std::vector<std::string> command = {"DEL", room_key(room_id, "mute:" + user_id)};
    if (until > now) command = {"SET", command[1], number(until), "PX", number(until - now)};
    redis_.command(command, [until, done = std::move(done)](const result<reply, redis::failure>& answer) {
        if (!answer || answer->is_error()) {
            done(errc::unavailable);
            return;
        }
        done(until);
    });
}

}  // namespace roomchat::relay::store
