#pragma once
// A fixture that runs `egresswatch watch` on a cgroup of the test's own while clients in that
// cgroup reach NamedTestHosts: the service tests' and the ClickHouse sink's.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "named_hosts_run.h"

namespace egresswatch::test {

class WatchRun : public NamedHostsRun {
protected:
    void SetUp() override {
        NamedHostsRun::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        cg_name_ = "ewtest-watch-" + std::to_string(getpid());
        cg_ = cgroup2_mount_for_tests() + "/" + cg_name_;
        ASSERT_EQ(mkdir(cg_.c_str(), 0755), 0) << cg_;
        out_dir_ = dir_ + "/service";
    }
    void TearDown() override {
        stop_watch();
        if (!cg_.empty()) rmdir(cg_.c_str());
        NamedHostsRun::TearDown();
    }

    // `egresswatch watch --cgroup CG --out DIR OPTIONS`, its stderr appended to watch.err.
    // `prefix` runs it: a command that ends by exec'ing its arguments.
    void start_watch(const std::vector<std::string>& options, const std::vector<std::string>& prefix = {}) {
        std::vector<std::string> args = prefix;
        for (const std::string& a : {std::string(EGRESSWATCH_BINARY), std::string("watch"), std::string("--quiet"),
                                     std::string("--cgroup"), "/" + cg_name_, std::string("--out"), out_dir_})
            args.push_back(a);
        args.insert(args.end(), options.begin(), options.end());
        std::string err_file = dir_ + "/watch.err";
        watch_ = fork();
        if (watch_ == 0) {
            int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(err, 2);
            std::vector<char*> argv;
            for (std::string& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(argv[0], argv.data());
            _exit(127);
        }
        // Started once its start record is written (what an earlier session left is rotated away).
        for (int i = 0; i < 200 && read_text(out_dir_ + "/events.jsonl").find("\"start\"") == std::string::npos; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_NE(read_text(out_dir_ + "/events.jsonl").find("\"start\""), std::string::npos) << watch_err();
    }
    // SIGINT, as Ctrl-C or systemd's stop would; the watch's exit status.
    int stop_watch() {
        if (watch_ <= 0) return -1;
        ::kill(watch_, SIGINT);
        int status = 0;
        waitpid(watch_, &status, 0);
        watch_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    // A client in the observed cgroup, with the test resolver.
    CommandResult client(const std::string& command) {
        return sh(hosts_->with_resolver("echo $$ > " + cg_ + "/cgroup.procs && " + command));
    }
    std::string watch_err() const { return read_text(dir_ + "/watch.err"); }
    std::vector<std::string> alerts_in_err() const {
        std::vector<std::string> out;
        for (const auto& line : lines_of(watch_err()))
            if (line.rfind("egresswatch: alert: ", 0) == 0) out.push_back(line);
        return out;
    }
    // Waits until `path` holds `text` (written by the watch every --write-interval).
    bool wait_for_text(const std::string& path, const std::string& text) {
        for (int i = 0; i < 100; ++i) {
            if (read_text(path).find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    std::string cg_name_, cg_, out_dir_;
    pid_t watch_ = -1;
};

}  // namespace egresswatch::test
