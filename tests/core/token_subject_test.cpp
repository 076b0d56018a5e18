#include "roomchat/token_subject.hpp"

#include <string>

#include <gtest/gtest.h>

namespace roomchat {
namespace {

// {"alg":"HS256","typ":"JWT"}, then payloads written by Python's base64.urlsafe_b64encode.
const std::string header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.";

TEST(token_subject, reads_the_sub_claim_without_the_signature) {
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbCJ9.c2ln"),
              "alice");  // {"sub":"alice",...}
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbCJ9."), "alice")
        << "unsigned still reads";
}

TEST(token_subject, tolerates_padding_some_jwt_libraries_write) {
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYiIsIm4iOjF9.c2ln"),
              "ab");                                                        // {"sub":"ab","n":1}: 24, whole
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYmMifQ==.c2ln"), "abc");  // {"sub":"abc"}: two '='
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYmMiLCJuIjoxfQ.c2ln"), "abc");  // unpadded, 2 left over
}

TEST(token_subject, decodes_the_url_safe_alphabet) {
    // {"sub":"bob.b-1","n":"\u00e9\u00e9?>"}: the payload has a '-' where base64 has '+'.
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJib2IuYi0xIiwibiI6Ilx1MDBlOVx1MDBlOT8-In0.c2ln"), "bob.b-1");
}

TEST(token_subject, a_missing_or_invalid_subject_is_none) {
    EXPECT_EQ(token_subject(header + "eyJuYW1lIjoieCJ9.c2ln"), std::nullopt);                  // no sub
    EXPECT_EQ(token_subject(header + "eyJzdWIiOjV9.c2ln"), std::nullopt);                      // sub: 5
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJub3QgYSB2YWxpZCBpZCJ9.c2ln"), std::nullopt);  // spaces
}

TEST(token_subject, what_is_not_a_jwt_is_none) {
    EXPECT_EQ(token_subject(""), std::nullopt);
    EXPECT_EQ(token_subject("dev-token"), std::nullopt);
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbCJ9"), std::nullopt)
        << "no second dot";
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYiJ9.c2ln"), "ab");
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYiJ9=.c2ln"), std::nullopt) << "padding past a whole group";
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYiJ9e.c2ln"), std::nullopt) << "an impossible length";
    EXPECT_EQ(token_subject(header + "bm90IGpzb24.c2ln"), std::nullopt) << "'not json'";
    EXPECT_EQ(token_subject(header + "WzFd.c2ln"), std::nullopt) << "[1]: JSON, not an object";
}

TEST(token_subject, claims_nested_past_16_are_not_read) {
    // {"sub":"ab","x":[[...]]}: the object is depth 1, then 15 arrays (16 in all), then 16 (17).
    EXPECT_EQ(token_subject(header + "eyJzdWIiOiJhYiIsIngiOltbW1tbW1tbW1tbW1tbW11dXV1dXV1dXV1dXV1dXX0.c2ln"),
              "ab");
    EXPECT_EQ(
        token_subject(header + "eyJzdWIiOiJhYiIsIngiOltbW1tbW1tbW1tbW1tbW1tdXV1dXV1dXV1dXV1dXV1dfQ.c2ln"),
        std::nullopt);
}

TEST(token_subject, a_payload_past_16_kib_is_not_read) {
    // {"sub":"ab","pad":"xx, then "AAA" as often as asked, then x"}: base64url in whole groups.
    const auto padded = [](std::size_t groups) {
        std::string payload = "eyJzdWIiOiJhYiIsInBhZCI6Inh4";
        for (std::size_t i = 0; i < groups; ++i) {
            payload += "QUFB";
        }
        return header + payload + "eCJ9.c2ln";
    };
    EXPECT_EQ(token_subject(padded(4 * 1024 - 8)), "ab") << "16 KiB exactly";
    EXPECT_EQ(token_subject(padded(4 * 1024 - 7)), std::nullopt) << "4 characters past";
}

TEST(preview_token, reads_the_user_as_the_relay_names_them_and_the_expiry) {
    // {"sub":"alice","name":"  Al ","exp":1700000000}
    const auto preview =
        preview_token(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiIgIEFsICIsImV4cCI6MTcwMDAwMDAwMH0.c2ln");
    ASSERT_TRUE(preview);
    EXPECT_EQ(preview->user, (user_info{"alice", "Al"}));
    EXPECT_EQ(preview->expires_at, 1'700'000'000'000);
}

TEST(preview_token, a_token_the_relay_would_refuse_previews_nothing) {
    // {"sub":"alice","exp":1700000000}: no name
    EXPECT_EQ(preview_token(header + "eyJzdWIiOiJhbGljZSIsImV4cCI6MTcwMDAwMDAwMH0.c2ln"), std::nullopt);
    // {"sub":"alice","name":"Al","exp":"soon"}
    EXPECT_EQ(preview_token(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbCIsImV4cCI6InNvb24ifQ.c2ln"),
              std::nullopt);
    // {"sub":"alice","name":"Al","exp":9007199254741}: past 2^53 ms
    EXPECT_EQ(preview_token(header + "eyJzdWIiOiJhbGljZSIsIm5hbWUiOiJBbCIsImV4cCI6OTAwNzE5OTI1NDc0MX0.c2ln"),
              std::nullopt);
    EXPECT_EQ(preview_token("dev-token"), std::nullopt);
}

}  // namespace
}  // namespace roomchat
