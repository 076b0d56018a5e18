#include "proc_stats.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unistd.h>

namespace roomchat::load {

cpu_times operator-(const cpu_times& later, const cpu_times& earlier) {
    return {later.user_ms - earlier.user_ms, later.kernel_ms - earlier.kernel_ms};
}

cpu_times read_cpu_times(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/stat");
    const std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) is in parentheses and may hold spaces; the
    // fields are counted from the last ')'. utime and stime are fields 14, 15.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i < 14; ++i) fields >> field;
    double user_ticks = 0;
    double kernel_ticks = 0;
    fields >> user_ticks >> kernel_ticks;
    const double ms_per_tick = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
    return {user_ticks * ms_per_tick, kernel_ticks * ms_per_tick};
}

schedule_times operator-(const schedule_times& later, const schedule_times& earlier) {
    return {later.running_ms - earlier.running_ms, later.waiting_ms - earlier.waiting_ms};
}

schedule_times read_schedule_times(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/schedstat");
    double running_ns = 0;
    double waiting_ns = 0;
    if (!(in >> running_ns >> waiting_ns)) return {};
    return {running_ns / 1e6, waiting_ns / 1e6};
}

memory_use read_memory(const std::string& pid) {
    std::ifstream in("/proc/" + pid + "/status");
    memory_use use;
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmRSS:", 0) == 0) use.rss_kb = std::strtol(line.c_str() + 6, nullptr, 10);
        if (line.rfind("VmHWM:", 0) == 0) use.peak_kb = std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return use;
}

double read_load_average() {
    std::ifstream in("/proc/loadavg");
    double one_minute = 0;
    in >> one_minute;
    return one_minute;
}

}  // namespace roomchat::load
