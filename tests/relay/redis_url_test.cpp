// --redis: the URL forms an operator writes, and a readable refusal of the rest.

#include "redis_url.hpp"

#include <string>

#include <gtest/gtest.h>

namespace roomchat::relay {
namespace {

TEST(redis_url, host_port_password_and_db) {
    const auto plain = parse_redis_url("redis://127.0.0.1:6380");
    ASSERT_TRUE(plain) << plain.error();
    EXPECT_EQ(plain->host, "127.0.0.1");
    EXPECT_EQ(plain->port, 6380);
    EXPECT_EQ(plain->password, "");
    EXPECT_EQ(plain->db, 0u);

    const auto full = parse_redis_url("redis://:s3cr%40t@10.0.0.7:6379/3");
    ASSERT_TRUE(full) << full.error();
    EXPECT_EQ(full->password, "s3cr@t");
    EXPECT_EQ(full->host, "10.0.0.7");
    EXPECT_EQ(full->db, 3u);

    const auto defaults = parse_redis_url("redis://[::1]");
    ASSERT_TRUE(defaults) << defaults.error();
    EXPECT_EQ(defaults->host, "::1");
    EXPECT_EQ(defaults->port, 6379);
    const auto v6 = parse_redis_url("redis://[::1]:7000/1");
    ASSERT_TRUE(v6) << v6.error();
    EXPECT_EQ(v6->port, 7000);
    EXPECT_EQ(v6->db, 1u);
}

TEST(redis_url, what_it_refuses_it_explains) {
    const auto refused = [](const std::string& url, const std::string& says) {
        const auto parsed = parse_redis_url(url);
        ASSERT_FALSE(parsed) << url;
        EXPECT_NE(parsed.error().find(says), std::string::npos) << url << ": " << parsed.error();
    };
    refused("http://127.0.0.1", "redis://");
    refused("127.0.0.1:6379", "redis://");
    refused("redis://localhost:6379", "must be an IP address");
    refused("redis://127.0.0.1:0", "port");
    refused("redis://127.0.0.1:65536", "port");
    refused("redis://127.0.0.1:63x", "port");
    refused("redis://127.0.0.1/x", "db");
    refused("redis://127.0.0.1/", "db");
    refused("redis://user:pw@127.0.0.1", "user names");
    refused("redis://:@127.0.0.1", "password");
    refused("redis://:%zz@127.0.0.1", "password");
    refused("redis://[::1", "brackets");
    refused("redis://[::1]x", "redis://");
}

}  // namespace
}  // namespace roomchat::relay
