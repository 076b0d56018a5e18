// The load generator of issue 11: runs load profiles against the relay of
// this build over loopback and prints what each measured (docs/benchmarks.md).
//   roomchat_load [--seconds S] [--seed N] [--json-dir DIR] [--batch] [--write-delay-ms N] [--redis]
//                 [profile...]
// --batch: the clients ask for batch frames, as the chat UI does;
// --write-delay-ms: the relay's, for measuring write coalescing;
// --redis: two relays share the rooms through a redis-server of the run's
// own, the clients alternating between them; the relays' CPU is summed and
// Redis's shown beside it.
// Profiles (default: all but smoke): seed stress saturation rooms idle join
// big-room smoke. Exits 1 when a profile lost, duplicated or refused anything,
// never because of a time.

#include <cstdint>
#include <exception>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <sys/resource.h>
#include <vector>

#include "cli_number.hpp"
#include "config.hpp"
#include "profile.hpp"
#include "profile_run.hpp"
#include "report.hpp"

using namespace roomchat::load;
using roomchat::relay_test::cli_number;

namespace {

// Every connection is a descriptor here and one in the relay, which inherits
// this limit when it is started.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

int usage(const std::string& problem = {}) {
    if (!problem.empty()) std::cerr << "roomchat_load: " << problem << "\n";
    std::cerr
        << "usage: roomchat_load [--seconds S] [--seed N] [--json-dir DIR] [--batch] [--write-delay-ms N] "
           "[--redis] [profile...]\n"
           "profiles: seed stress saturation rooms idle join big-room (the default: all), smoke\n";
    return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
    std::optional<double> seconds;
    std::uint64_t seed = 1;
    std::string json_dir;
    bool batch = false;
    int write_delay_ms = 0;
    bool redis = false;
    std::vector<profile> profiles;
    const std::vector<std::string> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--seconds" && has_value) {
            seconds = cli_number(args[++i], 0.001, 86'400.0);
            if (!seconds) return usage("--seconds wants a number of seconds above 0, not '" + args[i] + "'");
        } else if (args[i] == "--seed" && has_value) {
            const auto number =
                cli_number(args[++i], std::uint64_t{0}, std::numeric_limits<std::uint64_t>::max());
            if (!number) return usage("--seed wants a whole number, not '" + args[i] + "'");
            seed = *number;
        } else if (args[i] == "--json-dir" && has_value) {
            json_dir = args[++i];
        } else if (args[i] == "--batch") {
            batch = true;
        } else if (args[i] == "--redis") {
            redis = true;
        } else if (args[i] == "--write-delay-ms" && has_value) {
            const auto number =
                cli_number(args[++i], 0, static_cast<int>(roomchat::relay::max_write_delay_ms));
            if (!number) return usage("--write-delay-ms wants 0 to 100, not '" + args[i] + "'");
            write_delay_ms = *number;
        } else if (auto p = profile_named(args[i], std::nullopt)) {
            profiles.push_back(*p);
        } else {
            return usage("unknown argument '" + args[i] + "'");
        }
    }
    if (profiles.empty()) {
        for (const auto& name : default_profile_names())
            profiles.push_back(*profile_named(name, std::nullopt));
    }
    if (seconds) {
        for (auto& p : profiles) p = *profile_named(p.name, seconds);
    }
    for (auto& p : profiles) {
        p.batch = batch;
        p.write_delay_ms = write_delay_ms;
        p.redis = redis;
    }
    raise_descriptor_limit();

    std::vector<profile_result> results;
    bool correct = true;
    for (const profile& p : profiles) {
        std::cout << "==> " << p.name << ": " << p.summary << std::endl;
        try {
            results.push_back(run_profile(p, seed));
        } catch (const std::exception& e) {
            std::cerr << p.name << ": " << e.what() << "\n";
            return 1;
        }
        print_details(std::cout, results.back());
        correct = correct && results.back().problems.empty();
        if (!json_dir.empty() && !write_json(json_dir, results.back())) {
            std::cerr << "cannot write " << json_dir << "/load-" << p.name << ".json\n";
            return 1;
        }
    }
    print_table(std::cout, results);
    if (!json_dir.empty()) std::cout << "\nJSON: " << json_dir << "/load-<profile>.json\n";
    return correct ? 0 : 1;
}
