#include "roomchat/batch.hpp"

#include <utility>

namespace roomchat {
namespace {

// Frames are JSON objects already, so the batch is built by joining their
// text: no frame is parsed or encoded again.
constexpr std::string_view head = R"({"type":"batch","frames":[)";
constexpr std::string_view tail = "]}";

}  // namespace

bool frame_batch::fits(std::string_view frame) const noexcept {
    if (frames_ == 0) {
        return true;
    }
    const std::size_t envelope = frames_ == 1 ? head.size() + tail.size() : tail.size();
    return text_.size() + envelope + 1 + frame.size() <= max_bytes;
}

void frame_batch::add(std::string_view frame) {
    if (frames_ == 1) {
        text_.insert(0, head);
    }
    if (frames_ >= 1) {
        text_ += ',';
    }
    text_ += frame;
    ++frames_;
}

std::string frame_batch::take() {
    if (frames_ > 1) {
        text_ += tail;
    }
    frames_ = 0;
    return std::exchange(text_, std::string());
}

}  // namespace roomchat
