// The real pipeline (decode, enrich, inspect, alert, fan out) driven with raw ABI records, as
// the ring buffer hands them over, and with kernel counters as the maps hold them.

#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "alerts/baseline_alerter.h"
#include "allowlist/allowlist_loader.h"
#include "containers/container_book.h"
#include "egresswatch/abi.h"

using namespace egresswatch;

namespace {

constexpr std::uint32_t kPid = 42;

ew_event_header header(__u32 type, __u64 ts_ns) {
    ew_event_header h{};
    h.ts_ns = ts_ns;
    h.type = type;
    h.tgid = h.tid = kPid;
    std::strcpy(h.comm, "curl");
    return h;
}

std::unique_ptr<ew_exec_event> exec_record() {
    auto raw = std::make_unique<ew_exec_event>();
    std::memset(raw.get(), 0, sizeof(*raw));
    raw->hdr = header(EW_EVENT_EXEC, 1000);
    raw->ppid = 1;
    std::strcpy(raw->filename, "/usr/bin/curl");
    const char args[] = "curl\0http://198.19.4.9:22/";
    std::memcpy(raw->args, args, sizeof(args));
    raw->args_len = sizeof(args);
    return raw;
}

ew_sock_event send_record(__u8 last_octet, __u16 port) {
    ew_sock_event raw{};
    raw.hdr = header(EW_EVENT_SEND, 2000);
    raw.cookie = 5;
    raw.addr[0] = 198, raw.addr[1] = 19, raw.addr[2] = 4, raw.addr[3] = last_octet;
    raw.port = port;
    raw.family = EW_AF_INET;
    raw.protocol = EW_IPPROTO_UDP;
    return raw;
}

// Every record a sink gets, in order, by kind.
struct Order final : RecordSink {
    std::vector<std::string> seen;
    std::vector<ConnectionRecord> connections;
    std::vector<RepeatRecord> repeats;
    std::vector<LossRecord> losses;
    void on_start(const SessionStart&) override { seen.push_back("start"); }
    void on_exec(const ExecRecord&) override { seen.push_back("exec"); }
    void on_connection(const ConnectionRecord& r) override {
        seen.push_back("send");
        connections.push_back(r);
    }
    void on_alert(const AlertRecord& a) override { seen.push_back("alert " + alert_destination(a.connection)); }
    void on_repeat(const RepeatRecord& r) override {
        seen.push_back("repeat");
        repeats.push_back(r);
    }
    void on_loss(const LossRecord& r) override {
        seen.push_back("loss");
        losses.push_back(r);
    }
    void on_stop(const SessionStop&) override { seen.push_back("stop"); }
};

// The maps as a test fills them.
struct Counters final : KernelCounterSource {
    std::array<std::uint64_t, EW_DROP__COUNT> drops{};
    std::vector<FlowCounter> flows;
    std::array<std::uint64_t, EW_DROP__COUNT> drop_counts() const override { return drops; }
    void visit_flow_counters(const FlowVisitor& visit) const override {
        for (const FlowCounter& c : flows) visit(c);
    }
};

FlowCounter repeats_to(__u8 last_octet, __u16 family, std::uint64_t repeats) {
    FlowCounter c{};
    c.key.addr[0] = 198, c.key.addr[1] = 19, c.key.addr[2] = 4, c.key.addr[3] = last_octet;
    c.key.tgid = kPid;
    c.key.port = 53;
    c.key.family = family;
    c.key.protocol = EW_IPPROTO_UDP;
    c.key.kind = EW_EVENT_SEND;
    c.key.cookie = 5;
    c.repeats = repeats;
    return c;
}

constexpr const char* kBaseline = R"(version: 1
destinations:
  - addresses: [198.19.4.53]
    port: 53
    proto: udp
)";

}  // namespace

TEST(Pipeline, StagesRunInTheListedOrder) {
    ProcessTable processes;
    BaselineAlerter alerter(parse_allowlist(kBaseline, "base.yaml"), "base.yaml");
    Order sink;
    Pipeline pipeline(processes, PipelineOptions{}, {&alerter}, {&sink});
    EXPECT_EQ(pipeline.stage_names(), (std::vector<std::string>{"decode", "enrich", "inspect", "alert", "fan out"}));
}

TEST(Pipeline, RawRecordsBecomeNamedRecordsAndAlertsFollowTheirConnection) {
    ProcessTable processes;
    BaselineAlerter alerter(parse_allowlist(kBaseline, "base.yaml"), "base.yaml");
    Order first, second;
    Pipeline pipeline(processes, PipelineOptions{}, {&alerter}, {&first, &second});
    pipeline.start(SessionStart{});
    auto exec = exec_record();
    pipeline.on_ring_record(exec.get(), sizeof(*exec));
    ew_sock_event allowed = send_record(53, 53), unknown = send_record(9, 22);
    pipeline.on_ring_record(&allowed, sizeof(allowed));
    pipeline.on_ring_record(&unknown, sizeof(unknown));
    pipeline.on_ring_record(&unknown, sizeof(unknown) - 1);  // cut short: undecodable

    std::vector<std::string> expected{"start", "exec", "send", "send", "alert 198.19.4.9:22/udp"};
    EXPECT_EQ(first.seen, expected);
    EXPECT_EQ(second.seen, expected) << "every sink gets every record, alerts included";
    ASSERT_EQ(first.connections.size(), 2u);
    EXPECT_EQ(first.connections[1].process.exe, "/usr/bin/curl") << "named from the exec before it";
    EXPECT_EQ(first.connections[1].process.argv.at(1), "http://198.19.4.9:22/");
    EXPECT_EQ(pipeline.event_counts().exec, 1u);
    EXPECT_EQ(pipeline.event_counts().send, 2u);
    EXPECT_EQ(pipeline.loss().at("undecodable"), 1u);
}

TEST(Pipeline, KernelCountersBecomeRepeatAndLossRecords) {
    ProcessTable processes;
    Order sink;
    Counters counters;
    Pipeline pipeline(processes, PipelineOptions{}, {}, {&sink});
    pipeline.count_from(counters);
    auto exec = exec_record();
    pipeline.on_ring_record(exec.get(), sizeof(*exec));
    counters.drops[EW_DROP_RINGBUF_CONNECT] = 3;
    counters.flows = {repeats_to(53, EW_AF_INET, 7), repeats_to(54, /*family=*/99, 4)};

    pipeline.read_counters(10'000, true);
    ASSERT_EQ(sink.repeats.size(), 1u) << "the key of an unknown family is not taken for IPv6";
    EXPECT_EQ(sink.repeats[0].exe, "/usr/bin/curl");
    ASSERT_EQ(sink.repeats[0].destinations.size(), 1u);
    EXPECT_EQ(sink.repeats[0].destinations[0].address.to_string(), "198.19.4.53");
    EXPECT_EQ(sink.repeats[0].destinations[0].count, 7u);
    ASSERT_EQ(sink.losses.size(), 1u);
    EXPECT_EQ(sink.losses[0].reasons, (LossReasons{{"ringbuf_full_connect", 3}, {"undecodable", 1}}));

    // Loss that did not change is not written again, not even at the end.
    pipeline.read_counters(20'000, true);
    EXPECT_EQ(sink.losses.size(), 1u);
    pipeline.stop(SessionStop{30'000, 0}, false);
    EXPECT_EQ(sink.seen, (std::vector<std::string>{"exec", "repeat", "loss", "stop"}));
}

// docs/how-it-works.md draws the pipeline: its diagram names the stages in the order the
// pipeline runs them, so a stage added, removed or moved in one place and not the other fails.
TEST(Pipeline, TheHowItWorksDiagramListsTheStagesInOrder) {
    std::ifstream in(DOCS_DIR "/how-it-works.md");
    ASSERT_TRUE(in) << DOCS_DIR "/how-it-works.md";
    std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t begin = doc.find("```"), end = doc.find("```", begin + 3);
    ASSERT_NE(end, std::string::npos) << "no diagram";
    std::string diagram = doc.substr(begin, end - begin);

    ProcessTable processes;
    BaselineAlerter alerter(parse_allowlist(kBaseline, "base.yaml"), "base.yaml");
    Pipeline pipeline(processes, PipelineOptions{}, {&alerter}, {});
    std::size_t at = diagram.find("Pipeline");
    ASSERT_NE(at, std::string::npos);
    for (const std::string& stage : pipeline.stage_names()) {
        // A stage is drawn as "| <name> " at the start of its box line, the fan-out as "fan out:".
        std::size_t found = stage == "fan out" ? diagram.find("fan out:", at) : diagram.find("| " + stage + " ", at);
        ASSERT_NE(found, std::string::npos) << "stage '" << stage << "' is not drawn after the one before it";
        at = found;
    }
}

namespace {

// The kernel's event for a cgroup made at `path`.
std::unique_ptr<ew_cgroup_event> cgroup_made(__u64 cgroup_id, const std::string& path) {
    auto made = std::make_unique<ew_cgroup_event>();
    std::memset(made.get(), 0, sizeof(*made));
    made->hdr = header(EW_EVENT_CGROUP_MKDIR, 1500);
    made->cgroup_id = cgroup_id;
    std::strncpy(made->path, path.c_str(), sizeof(made->path) - 1);
    return made;
}

// Cgroup names as the session keeps them: learned from the kernel's events.
struct CgroupNamesForTest {
    std::map<std::uint64_t, std::string> known;
    void hook_into(PipelineOptions& options) {
        options.hooks.cgroup_made = [this](const CgroupEvent& made) { known[made.cgroup_id] = made.path; };
        options.cgroup_path = [this](std::uint64_t id) { return known.contains(id) ? known[id] : std::string(); };
    }
};

}  // namespace

// A cgroup made during the session names the records made in it at once, in ring-buffer order,
// though it may be gone before anything could look it up.
TEST(Pipeline, ACgroupMadeDuringTheSessionNamesTheRecordsMadeInIt) {
    ProcessTable processes;
    Order sink;
    CgroupNamesForTest cgroups;
    PipelineOptions options;
    cgroups.hook_into(options);
    Pipeline pipeline(processes, options, {}, {&sink});

    auto made = cgroup_made(4711, "/machine.slice/libpod-0123.scope");
    ew_sock_event send = send_record(9, 22);
    send.hdr.cgroup_id = 4711;
    pipeline.on_ring_record(made.get(), sizeof(*made));
    pipeline.on_ring_record(&send, sizeof(send));

    ASSERT_EQ(sink.connections.size(), 1u);
    EXPECT_EQ(sink.connections[0].process.cgroup, "/machine.slice/libpod-0123.scope");
    EXPECT_EQ(pipeline.event_counts().cgroups, 1u);
}

// A process in a container's cgroup is named with the container, from the cgroup path alone when
// the runtime left no files to read (here: none at all).
TEST(Pipeline, RecordsFromAContainerNameIt) {
    ProcessTable processes;
    Order sink;
    CgroupNamesForTest cgroups;
    ContainerRoots nowhere{"/nonexistent/a", "/nonexistent/b", "/nonexistent/c", "/nonexistent/d"};
    ContainerBook containers(nowhere);
    PipelineOptions options;
    cgroups.hook_into(options);
    options.container_of = [&containers](std::uint64_t id, const std::string& path) -> std::optional<ContainerInfo> {
        const ContainerInfo* c = containers.lookup(id, path);
        return c ? std::optional<ContainerInfo>(*c) : std::nullopt;
    };
    Pipeline pipeline(processes, options, {}, {&sink});

    std::string id(64, 'b');
    auto made = cgroup_made(4712, "/libpod_parent/libpod-" + id);
    ew_sock_event in_container = send_record(9, 22), on_host = send_record(9, 22);
    in_container.hdr.cgroup_id = 4712;
    pipeline.on_ring_record(made.get(), sizeof(*made));
    pipeline.on_ring_record(&in_container, sizeof(in_container));
    pipeline.on_ring_record(&on_host, sizeof(on_host));

    ASSERT_EQ(sink.connections.size(), 2u);
    ASSERT_TRUE(sink.connections[0].process.container);
    EXPECT_EQ(sink.connections[0].process.container->id, id);
    EXPECT_EQ(sink.connections[0].process.container->runtime, Runtime::podman);
    EXPECT_FALSE(sink.connections[1].process.container) << "the host's cgroup is no container's";
}
