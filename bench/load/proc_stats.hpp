#pragma once
// CPU time and memory of a process, from Linux's /proc: the relay's (by pid)
// and the generator's own ("self"), so both are read the same way.

#include <string>

namespace roomchat::load {

struct cpu_times {
    double user_ms = 0;    // utime
    double kernel_ms = 0;  // stime
    double total_ms() const { return user_ms + kernel_ms; }
};

cpu_times operator-(const cpu_times& later, const cpu_times& earlier);

// /proc/<pid>/stat, in clock ticks (sysconf(_SC_CLK_TCK), 100 a second on
// Linux): each figure is good to 10 ms. `pid` is a number or "self".
// All zero when the process is gone.
cpu_times read_cpu_times(const std::string& pid);

// /proc/<pid>/schedstat, of the main thread (both processes have only that
// one): time on a CPU and time runnable but waiting for one, in ns. A process
// whose two together fill the wall time always had work: it is the
// bottleneck, whether or not other work on the machine let it run.
struct schedule_times {
    double running_ms = 0;
    double waiting_ms = 0;
    double busy_ms() const { return running_ms + waiting_ms; }
};

schedule_times operator-(const schedule_times& later, const schedule_times& earlier);
schedule_times read_schedule_times(const std::string& pid);

struct memory_use {
    long rss_kb = 0;   // VmRSS: resident now
    long peak_kb = 0;  // VmHWM: the most ever resident
};

// /proc/<pid>/status; all zero when the process is gone.
memory_use read_memory(const std::string& pid);

// The 1-minute load average (/proc/loadavg): how busy the machine was
// around a run, since other work shares its cores.
double read_load_average();

}  // namespace roomchat::load
