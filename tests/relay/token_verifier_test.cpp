#include "token_verifier.hpp"

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

const std::string secret = "unit-test-secret-0123456789abcdefghijkl";
constexpr millis now = 1'700'000'000'000;

TEST(token_verifier, accepts_what_mint_token_signs) {
    const std::string token = mint_token(secret, {"alice", "Alice"}, {"lobby", "movie"}, now + 60'000);
    const auto verified = token_verifier(secret).verify(token, now);
    ASSERT_TRUE(verified.ok());
    const auto& claims = *verified;
    EXPECT_EQ(claims.user, (user_info{"alice", "Alice"}));
    EXPECT_EQ(claims.expires_at, now + 60'000);
    EXPECT_TRUE(claims.admits("movie"));
    EXPECT_FALSE(claims.admits("other"));
    EXPECT_FALSE(claims.expired(now + 59'999));
    EXPECT_TRUE(claims.expired(now + 60'000));
}

TEST(token_verifier, refuses_other_secrets_and_expiry) {
    const std::string token = mint_token(secret, {"alice", "Alice"}, {"lobby"}, now + 60'000);
    const auto wrong = token_verifier(secret + "x").verify(token, now);
    ASSERT_FALSE(wrong.ok());
    EXPECT_EQ(wrong.error().code, errc::auth_failed);
    const auto late = token_verifier(secret).verify(token, now + 60'000);
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, errc::token_expired);
}

TEST(token_verifier, the_service_claim_is_a_boolean_and_false_when_absent) {
    const token_verifier verifier(secret);
    EXPECT_FALSE(
        verifier.verify(mint_token(secret, {"alice", "Alice"}, {"lobby"}, now + 60'000), now)->service);
    const auto host =
        verifier.verify(mint_token(secret, {"host", "Watch party"}, {"*"}, now + 60'000, true), now);
    ASSERT_TRUE(host.ok());
    EXPECT_TRUE(host->service);
}

TEST(token_verifier, the_mod_claim_names_the_rooms_moderated_among_those_admitted) {
    const token_verifier verifier(secret);
    const auto plain = verifier.verify(mint_token(secret, {"ann", "Ann"}, {"lobby"}, now + 60'000), now);
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->moderator_of("lobby")) << "absent: none";
    const auto mod = verifier.verify(
        mint_token(secret, {"ann", "Ann"}, {"lobby", "movie"}, now + 60'000, false, {"movie", "other"}), now);
    ASSERT_TRUE(mod.ok());
    EXPECT_TRUE(mod->moderator_of("movie"));
    EXPECT_FALSE(mod->moderator_of("lobby"));
    EXPECT_FALSE(mod->moderator_of("other")) << "a room the token does not admit";
    const auto everywhere =
        verifier.verify(mint_token(secret, {"ann", "Ann"}, {"*"}, now + 60'000, false, {"*"}), now);
    ASSERT_TRUE(everywhere.ok());
    EXPECT_TRUE(everywhere->moderator_of("anything"));
    const auto bad = verifier.verify(
        mint_token(secret, {"ann", "Ann"}, {"lobby"}, now + 60'000, false, {"not a room"}), now);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, errc::auth_failed);
    EXPECT_EQ(bad.error().detail, "mod claim holds an invalid room id");
}

TEST(token_verifier, wildcard_admits_every_room) {
    token_claims claims;
    claims.rooms = {"*"};
    EXPECT_TRUE(claims.admits("anything"));
}

}  // namespace
}  // namespace roomchat::relay
