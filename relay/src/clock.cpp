#include "clock.hpp"

#include <chrono>

namespace roomchat::relay {

millis now_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace roomchat::relay
