#include <gtest/gtest.h>

#include "base/errors.h"
#include "cli/options.h"

using namespace egresswatch;

namespace {
CliRequest parse(std::vector<const char*> args) {
    args.insert(args.begin(), "egresswatch");
    return parse_cli(static_cast<int>(args.size()), args.data());
}

int exit_code_of(std::vector<const char*> args) {
    try {
        parse(std::move(args));
    } catch (const CliExit& e) {
        return e.code;
    }
    return -1;
}
}  // namespace

TEST(CliParse, RunTakesEverythingAfterDoubleDash) {
    CliRequest r = parse({"run", "--out", "/tmp/x", "--json", "--", "curl", "-s", "--max-time", "3", "http://a/"});
    EXPECT_EQ(r.command, CommandKind::run);
    EXPECT_EQ(r.run.capture.out_dir, "/tmp/x");
    EXPECT_TRUE(r.run.capture.json_stream);
    EXPECT_EQ(r.run.command, (std::vector<std::string>{"curl", "-s", "--max-time", "3", "http://a/"}));
    EXPECT_FALSE(r.run.capture.scope);
}

TEST(CliParse, RunDefaults) {
    CliRequest r = parse({"run", "--", "true"});
    EXPECT_EQ(r.run.capture.out_dir, "egress");
    EXPECT_EQ(r.run.capture.ringbuf_mib, 4u);
    EXPECT_FALSE(r.verbose);
}

// Following the containers the command starts is on unless asked otherwise; only the three
// documented modes are taken.
TEST(CliParse, RunFollowsContainersStartedByDefault) {
    EXPECT_EQ(parse({"run", "--", "true"}).run.follow_containers, FollowContainers::started);
    EXPECT_EQ(parse({"run", "--follow-containers", "any", "--", "true"}).run.follow_containers, FollowContainers::any);
    EXPECT_EQ(parse({"run", "--follow-containers", "off", "--", "true"}).run.follow_containers, FollowContainers::off);
    EXPECT_EQ(exit_code_of({"run", "--follow-containers", "some", "--", "true"}), 2);
    EXPECT_EQ(exit_code_of({"watch", "--follow-containers", "any"}), 2) << "watch sees every container already";
}

// events.jsonl and --json are native unless ECS is asked for, on run and watch alike.
TEST(CliParse, JsonFormat) {
    EXPECT_EQ(parse({"run", "--", "true"}).run.capture.json_format, JsonFormat::native);
    EXPECT_EQ(parse({"run", "--json-format", "ecs", "--", "true"}).run.capture.json_format, JsonFormat::ecs);
    EXPECT_EQ(parse({"run", "--json-format", "native", "--", "true"}).run.capture.json_format, JsonFormat::native);
    EXPECT_EQ(parse({"watch", "--json", "--json-format", "ecs"}).watch.capture.json_format, JsonFormat::ecs);
    EXPECT_EQ(parse({"watch"}).watch.capture.json_format, JsonFormat::native);
    EXPECT_EQ(exit_code_of({"run", "--json-format", "elastic", "--", "true"}), 2);
    EXPECT_EQ(exit_code_of({"report", "--json-format", "ecs", "events.jsonl"}), 2) << "report reads native only";
}

TEST(CliParse, ScopeAndVerbose) {
    CliRequest r = parse({"-v", "run", "--scope", "internet", "--", "true"});
    EXPECT_TRUE(r.verbose);
    EXPECT_EQ(r.run.capture.scope, ScopeFilter::internet);
}

TEST(CliParse, WatchWithCgroupAndDuration) {
    CliRequest r = parse({"watch", "--cgroup", "/system.slice", "--duration", "90s", "--out", "o"});
    EXPECT_EQ(r.command, CommandKind::watch);
    EXPECT_EQ(r.watch.cgroup, "/system.slice");
    EXPECT_EQ(r.watch.duration, std::chrono::seconds(90));
}

TEST(CliParse, WatchOneContainerButNotWithACgroupToo) {
    EXPECT_EQ(parse({"watch", "--container", "web"}).watch.container, "web");
    EXPECT_NE(exit_code_of({"watch", "--container", "web", "--cgroup", "/x"}), -1) << "they name two scopes";
}

TEST(CliParse, WatchOnePodGivenAsNamespaceAndName) {
    CliRequest r = parse({"watch", "--pod", "shop/web-1"});
    EXPECT_EQ(r.watch.pod_namespace, "shop");
    EXPECT_EQ(r.watch.pod_name, "web-1");
    for (const char* bad : {"web-1", "/web-1", "shop/", "a/b/c"})
        EXPECT_EQ(exit_code_of({"watch", "--pod", bad}), kSetupErrorExit) << bad;
    EXPECT_NE(exit_code_of({"watch", "--pod", "shop/web-1", "--container", "x"}), -1) << "two scopes";
}

TEST(CliParse, ReportAndDoctor) {
    CliRequest r = parse({"report", "e/events.jsonl", "--out", "again", "--scope", "nonlocal"});
    EXPECT_EQ(r.command, CommandKind::report);
    EXPECT_EQ(r.report.events_path, "e/events.jsonl");
    EXPECT_EQ(r.report.out_dir, "again");
    EXPECT_EQ(r.report.scope, ScopeFilter::nonlocal);
    EXPECT_EQ(parse({"doctor"}).command, CommandKind::doctor);
}

TEST(CliParse, BadArgumentsExitWithTwo) {
    EXPECT_EQ(exit_code_of({}), 2) << "no subcommand";
    EXPECT_EQ(exit_code_of({"fly"}), 2);
    EXPECT_EQ(exit_code_of({"run"}), 2) << "no command";
    EXPECT_EQ(exit_code_of({"run", "--scope", "galaxy", "--", "true"}), 2);
    EXPECT_EQ(exit_code_of({"run", "--ringbuf-mib", "3", "--", "true"}), 2);
    EXPECT_EQ(exit_code_of({"watch", "--duration", "soon"}), 2);
    EXPECT_EQ(exit_code_of({"report"}), 2);
    EXPECT_EQ(exit_code_of({"doctor", "extra"}), 2);
}

TEST(CliParse, ADurationThatIsNoneSaysWhy) {
    try {
        parse({"watch", "--duration", "0s"});
        FAIL() << "0s was accepted";
    } catch (const CliExit& e) {
        EXPECT_EQ(e.code, 2);
        EXPECT_EQ(e.text, "--duration: '0s' is not a duration: it must be more than zero (like 90s, 5m or 1h)");
    }
}

TEST(CliParse, HelpAndVersionExitZero) {
    EXPECT_EQ(exit_code_of({"--help"}), 0);
    EXPECT_EQ(exit_code_of({"--version"}), 0);
    EXPECT_EQ(exit_code_of({"run", "--help"}), 0);
}
