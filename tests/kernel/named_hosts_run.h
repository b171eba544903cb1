#pragma once
// What the names and TLS plaintext tests share: a fixture that runs a shell command under
// `egresswatch run` against NamedTestHosts, and selectors over the events it wrote.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "kernel_env.h"
#include "named_hosts.h"

namespace egresswatch::test {

using nlohmann::json;
namespace fs = std::filesystem;

using Pred = std::function<bool(const json&)>;

inline std::vector<json> select(const std::vector<json>& events, const std::string& type, const Pred& pred) {
    std::vector<json> out;
    for (const auto& e : events)
        if (e.value("type", "") == type && pred(e)) out.push_back(e);
    return out;
}

// By executable, not comm: comm is the thread's name (dig's lookups run in "isc-net-0000").
inline Pred by_exe(const std::string& exe) {
    return [exe](const json& e) { return e.value("exe", "") == exe; };
}

inline Pred by_exe_and_question(const std::string& exe, const std::string& question) {
    return [exe, question](const json& e) { return e.value("exe", "") == exe && e.value("question", "") == question; };
}

inline Pred connect_to(const std::string& exe, const std::string& daddr, int dport) {
    return [=](const json& e) { return e.value("exe", "") == exe && e["daddr"] == daddr && e["dport"] == dport; };
}

// A repeat record of the process that lists the destination.
inline Pred repeats_to(const std::string& exe, const std::string& daddr, int dport) {
    return [=](const json& e) {
        if (e.value("exe", "") != exe || !e.contains("destinations")) return false;
        for (const auto& d : e["destinations"])
            if (d["daddr"] == daddr && d["dport"] == dport) return true;
        return false;
    };
}

// The connect record of the connection an http or tls record was seen on. Only a process's
// first connect to a destination is a connect record (later ones are counted in repeat
// records), so a record may have none.
inline const json* connect_with_cookie(const std::vector<json>& events, const json& record) {
    for (const auto& e : events)
        if (e.value("type", "") == "connect" && e.contains("cookie") && e["cookie"] == record["cookie"]) return &e;
    return nullptr;
}

inline const std::regex kRequestLine(
    R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})) (\S+)\[(\d+)\] (\S+) (\S+) (\S+) (\d{3}|-) ([0-9]+(\.[0-9]+)?|-)ms( tls)?$)");

struct RequestLine {
    std::string comm;
    std::uint32_t pid = 0;
    std::string method, host, path, status;
    bool tls = false;
};

// requests.log, every line checked against the format.
inline std::vector<RequestLine> request_log(const std::string& out) {
    std::vector<RequestLine> lines;
    for (const auto& line : lines_of(read_text(out + "/requests.log"))) {
        std::smatch m;
        EXPECT_TRUE(std::regex_match(line, m, kRequestLine)) << "requests.log line out of format: " << line;
        if (m.empty()) continue;
        lines.push_back({m[4], static_cast<std::uint32_t>(std::stoul(m[5])), m[6], m[7], m[8], m[9], m[12].matched});
    }
    return lines;
}

inline const json* endpoint(const json& report, const std::string& host, const std::string& method,
                            const std::string& path) {
    if (!report.contains("http_endpoints")) return nullptr;
    for (const auto& e : report["http_endpoints"])
        if (e["host"] == host && e["method"] == method && e["path"] == path) return &e;
    return nullptr;
}

inline bool allowlist_names(const std::string& allowlist, const std::string& host) {
    std::regex entry("host:\\s*[\"']?" + std::regex_replace(host, std::regex("\\."), "\\.") + "[\"']?\\s*$",
                     std::regex::multiline);
    return std::regex_search(allowlist, entry);
}

// One answer of a dns record, as the contract writes it.
inline void expect_answer(const json& a, const std::string& name, const std::string& type, const std::string& value) {
    EXPECT_EQ(a["name"], name) << a.dump();
    EXPECT_EQ(a["type"], type) << a.dump();
    if (type == "CNAME")
        EXPECT_EQ(a["target"], value) << a.dump();
    else
        EXPECT_EQ(a["address"], value) << a.dump();
    EXPECT_EQ(a["ttl"], NamedTestHosts::kTtl) << a.dump();
}

class NamedHostsRun : public ::testing::Test {
protected:
    void SetUp() override {
        EW_REQUIRE_KERNEL();
        EW_REQUIRE_NAMED_HOSTS();
        hosts_ = std::make_unique<NamedTestHosts>();
        ASSERT_TRUE(hosts_->ready()) << hosts_->error();
        dir_ = make_temp_dir("ew-names-test-");
    }
    void TearDown() override {
        hosts_.reset();
        if (!dir_.empty()) fs::remove_all(dir_);
    }

    // Runs `command` (sh syntax) under egresswatch, resolving through the test hosts' dnsmasq;
    // returns events.jsonl. out() is the output directory.
    std::vector<json> observe(const std::string& command, std::vector<std::string> options = {}) {
        out_ = dir_ + "/out" + std::to_string(runs_++);
        std::vector<std::string> args = global_options_;
        for (const char* a : {"run", "--quiet", "--out"}) args.push_back(a);
        args.push_back(out_);
        args.insert(args.end(), options.begin(), options.end());
        for (const char* a : {"--", "/bin/sh", "-c"}) args.push_back(a);
        args.push_back(hosts_->with_resolver(command));
        auto r = run_egresswatch(args);
        EXPECT_EQ(r.exit_code, 0) << "command failed: " << command << "\n" << r.out << r.err;
        stderr_ = r.err;
        command_out_ = r.out;
        auto events = read_events(out_);
        EXPECT_FALSE(events.empty());
        return events;
    }
    // Runs argv itself as the command (no shell, no test resolver), as a user runs
    // `egresswatch run -- PROGRAM ARGS`: its executable is examined before it starts.
    std::vector<json> observe_argv(const std::vector<std::string>& argv, std::vector<std::string> options = {}) {
        out_ = dir_ + "/out" + std::to_string(runs_++);
        std::vector<std::string> args = global_options_;
        for (const char* a : {"run", "--quiet", "--out"}) args.push_back(a);
        args.push_back(out_);
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), argv.begin(), argv.end());
        auto r = run_egresswatch(args, std::chrono::seconds(120), prefix_);
        EXPECT_EQ(r.exit_code, 0) << "command failed: " << argv[0] << "\n" << r.out << r.err;
        stderr_ = r.err;
        command_out_ = r.out;
        auto events = read_events(out_);
        EXPECT_FALSE(events.empty());
        return events;
    }
    // What the last observe_argv's command printed.
    const std::string& command_out() const { return command_out_; }
    const std::string& out() const { return out_; }
    const std::string& egresswatch_stderr() const { return stderr_; }
    json report() const { return json::parse(read_text(out_ + "/report.json")); }
    std::string allowlist() const { return read_text(out_ + "/allowlist.yaml"); }
    std::string cert() const { return shell_quote(hosts_->cert_path()); }
    std::string file(const std::string& name, const std::string& content) const {
        std::string path = dir_ + "/" + name;
        std::ofstream(path) << content;
        return path;
    }

    std::unique_ptr<NamedTestHosts> hosts_;
    std::string dir_, out_, stderr_, command_out_;
    std::vector<std::string> global_options_;  // before `run`, e.g. -v
    std::vector<std::string> prefix_;          // a command egresswatch runs under, e.g. unshare
    int runs_ = 0;
};

}  // namespace egresswatch::test
