// What `run --enforce` does with an allowlist before anything is loaded into the kernel:
// read the file (allowlist_loader) and plan the kernel's tables (enforce_plan), for a
// generated allowlist of 100k entries (exact hosts, wildcards, addresses, IPv4 and IPv6
// blocks nested in each other), against 1k entries of the same mix measured in the same run.
// Growth is linear when the time per entry stays the same. Needs no kernel and no root.
//
//   enforce_plan_bench [ENTRIES] [BASELINE_ENTRIES] [--ports N] [--write FILE]
//
// --ports N: the entries use N ports (default 16); with two protocols and one process set,
// about 2N + 6 port rules. --write FILE also saves the large allowlist, for timing
// `egresswatch run --enforce`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "allowlist/allowlist_loader.h"
#include "enforce/enforce_plan.h"

using namespace egresswatch;

namespace {

// Entry i of the mix: a quarter each of exact hosts, wildcards, single addresses and
// blocks, nearly all distinct. One wildcard in eight covers some of the exact hosts, one block
// in sixteen is a /16 holding the /24s that follow it, and one address or block in eight is
// IPv6. `ports` ports, two protocols, one process set.
std::string allowlist_yaml(std::size_t entries, std::size_t ports) {
    std::string yaml = "version: 1\ndestinations:\n";
    auto hex = [](std::size_t v) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%zx", v & 0xffff);
        return std::string(buf);
    };
    for (std::size_t i = 0; i < entries; ++i) {
        std::size_t k = i / 4;  // the entry's number within its quarter
        std::string domain = "d" + std::to_string(k % 997) + ".example.org";
        switch (i % 4) {
        case 0: yaml += "  - host: h" + std::to_string(k) + "." + domain + "\n"; break;
        case 1:
            yaml += k % 8 == 0 ? "  - host: \"*." + domain + "\"\n"
                               : "  - host: \"*.w" + std::to_string(k) + ".example.net\"\n";
            break;
        case 2:
            if (k % 8 == 0)
                yaml += "  - addresses:\n      - \"2001:db8::" + hex(k >> 16) + ":" + hex(k) + "\"\n";
            else
                yaml += "  - addresses:\n      - 198." + std::to_string(18 + (k >> 16 & 1)) + "." +
                        std::to_string(k >> 8 & 255) + "." + std::to_string(k & 255) + "\n";
            break;
        default:
            if (k % 8 == 0)
                yaml += "  - addresses:\n      - \"2001:db8:" + hex(k) + "::/48\"\n";
            else if (k % 16 == 1)
                yaml += "  - addresses:\n      - 10." + std::to_string(k >> 8 & 255) + ".0.0/16\n";
            else
                yaml += "  - addresses:\n      - 10." + std::to_string(k >> 8 & 255) + "." + std::to_string(k & 255) +
                        ".0/24\n";
            break;
        }
        yaml += "    port: " + std::to_string(8000 + i % ports) + "\n    proto: " + (i % 5 == 0 ? "udp" : "tcp") + "\n";
        if (i % 100 == 7) yaml += "    processes: [/usr/bin/curl, /usr/bin/apt-get]\n";
    }
    return yaml;
}

struct Timing {
    double load_s = 0, plan_s = 0;
    std::size_t networks = 0, names = 0, rules = 0;
};

Timing measure(std::size_t entries, std::size_t ports, const std::string& path) {
    { std::ofstream(path) << allowlist_yaml(entries, ports); }
    using Clock = std::chrono::steady_clock;
    Timing t;
    // Best of three: the machine is shared, and the least disturbed run is the cost.
    for (int run = 0; run < 3; ++run) {
        auto start = Clock::now();
        Allowlist list = load_allowlist_file(path);
        auto loaded = Clock::now();
        EnforcePlan plan = plan_enforcement(list, {*IpAddress::parse("192.0.2.53")}, path);
        auto planned = Clock::now();
        double load = std::chrono::duration<double>(loaded - start).count();
        double planning = std::chrono::duration<double>(planned - loaded).count();
        if (run == 0 || load + planning < t.load_s + t.plan_s) t = {load, planning, 0, 0, 0};
        t.networks = plan.networks.size();
        t.names = plan.names.size();
        t.rules = plan.port_rules.size();
    }
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t large = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100'000;
    std::size_t small = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1'000;
    std::size_t ports = 16;
    std::string keep;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (std::string(argv[i]) == "--ports") ports = std::max<std::size_t>(1, std::strtoul(argv[i + 1], nullptr, 10));
        if (std::string(argv[i]) == "--write") keep = argv[i + 1];
    }
    std::string tmp = "/tmp/enforce_plan_bench." + std::to_string(::getpid()) + ".yaml";

    Timing base = measure(small, ports, tmp);
    Timing big = measure(large, ports, keep.empty() ? tmp : keep);
    if (keep.empty()) std::remove(tmp.c_str());

    std::printf("enforce planning benchmark: allowlist of %zu entries against %zu (best of 3 each)\n", large, small);
    std::printf("%-10s %10s %10s %10s %14s %8s %8s %6s\n", "entries", "load s", "plan s", "total s", "us/entry",
                "blocks", "names", "rules");
    for (auto [n, t] : {std::pair{small, base}, std::pair{large, big}})
        std::printf("%-10zu %10.3f %10.3f %10.3f %14.2f %8zu %8zu %6zu\n", n, t.load_s, t.plan_s, t.load_s + t.plan_s,
                    (t.load_s + t.plan_s) / static_cast<double>(n) * 1e6, t.networks, t.names, t.rules);
    double per_small = (base.load_s + base.plan_s) / static_cast<double>(small);
    double per_large = (big.load_s + big.plan_s) / static_cast<double>(large);
    std::printf("\ntime per entry, %zu against %zu: %.2fx (1.00 is linear growth)\n", large, small,
                per_large / per_small);
    std::printf("load + plan of %zu entries: %.2f s; target <= 2 s: %.2fx of target\n", large, big.load_s + big.plan_s,
                (big.load_s + big.plan_s) / 2);
    return 0;
}
