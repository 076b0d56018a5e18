#include "tokens.hpp"

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include <jwt.h>

namespace roomchat::relay_test {

nlohmann::json claims_for(const std::string& user, const nlohmann::json& room, const std::string& name) {
    return {{"sub", user}, {"name", name.empty() ? user : name}, {"room", room}, {"exp", unix_now() + 3600}};
}

std::string mint(const nlohmann::json& claims, const std::string& secret, const std::string& alg) {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new");
    const std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, &jwt_free);
    if (jwt_add_grants_json(jwt.get(), claims.dump().c_str()) != 0) throw std::runtime_error("grants");
    const jwt_alg_t algorithm = jwt_str_alg(alg.c_str());
    const auto* key = reinterpret_cast<const unsigned char*>(secret.data());
    const int rc = algorithm == JWT_ALG_NONE
                       ? jwt_set_alg(jwt.get(), algorithm, nullptr, 0)
                       : jwt_set_alg(jwt.get(), algorithm, key, static_cast<int>(secret.size()));
    if (rc != 0) throw std::runtime_error("jwt_set_alg");
    char* encoded = jwt_encode_str(jwt.get());
    if (encoded == nullptr) throw std::runtime_error("jwt_encode_str");
    std::string token(encoded);
    std::free(encoded);  // NOLINT(cppcoreguidelines-no-malloc)
    return token;
}

}  // namespace roomchat::relay_test
