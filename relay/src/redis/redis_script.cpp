#include "redis_script.hpp"

#include <memory>
#include <utility>

#include <openssl/sha.h>

namespace roomchat::relay::redis {
namespace {

std::string sha1_hex(const std::string& text) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * SHA_DIGEST_LENGTH);
    for (const unsigned char byte : digest) {
        out += hex[byte >> 4];
        out += hex[byte & 0x0f];
    }
    return out;
}

bool unknown_script(const result<reply, failure>& answer) {
    return answer && answer->is_error() && answer->text.rfind("NOSCRIPT", 0) == 0;
}

}  // namespace

script::script(std::string text) : text_(std::move(text)), sha1_(sha1_hex(text_)) {}

void script::load(client& redis) const {
    redis.command({"SCRIPT", "LOAD", text_}, [](const result<reply, failure>&) {});
}

void script::run(client& redis, const std::vector<std::string>& keys, const std::vector<std::string>& args,
                 reply_handler handler) const {
    // Kept for the one resend with the whole text; EVALSHA's sha and EVAL's
    // text take the same place.
    auto command = std::make_shared<std::vector<std::string>>();
    command->reserve(3 + keys.size() + args.size());
    *command = {"EVALSHA", sha1_, std::to_string(keys.size())};
    command->insert(command->end(), keys.begin(), keys.end());
    command->insert(command->end(), args.begin(), args.end());
    redis.command(*command,
                  [this, &redis, command, handler = std::move(handler)](result<reply, failure> answer) {
                      if (!unknown_script(answer)) {
                          handler(std::move(answer));
                          return;
                      }
                      (*command)[0] = "EVAL";
                      (*command)[1] = text_;
                      redis.command(*command, handler);
                  });
}

}  // namespace roomchat::relay::redis
