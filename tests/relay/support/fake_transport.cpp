#include "fake_transport.hpp"

#include <utility>

#include <gtest/gtest.h>

namespace roomchat::relay_test {

void fake_transport::send(roomchat::connection_id conn, std::string payload) {
    payloads.push_back(payload);
    pending_[conn].push_back(std::move(payload));
}

void fake_transport::broadcast(const std::vector<roomchat::connection_id>& to, std::string payload) {
    for (const roomchat::connection_id conn : to) send(conn, payload);
}

void fake_transport::close(roomchat::connection_id conn, std::uint16_t code, const std::string& reason) {
    closes.push_back({conn, code, reason});
}

std::vector<nlohmann::json> fake_transport::take(roomchat::connection_id conn) {
    std::vector<nlohmann::json> frames;
    for (const auto& payload : pending_[conn]) frames.push_back(nlohmann::json::parse(payload));
    pending_.erase(conn);
    return frames;
}

nlohmann::json fake_transport::take_one(roomchat::connection_id conn) {
    auto frames = take(conn);
    EXPECT_EQ(frames.size(), 1U) << "frames to connection " << conn << ": " << nlohmann::json(frames).dump();
    return frames.size() == 1 ? frames.front() : nlohmann::json();
}

}  // namespace roomchat::relay_test
