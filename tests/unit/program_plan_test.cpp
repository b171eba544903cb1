// The per-feature fallbacks: which programs load on which kernel, and what a refused program
// costs. The kernel's side of it is checked by the kernel tests and the kernel matrix.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "egresswatch/abi.h"
#include "kernel/load_failure.h"
#include "kernel/program_plan.h"

// Last: the skeleton's global variables have the ABI's types (egresswatch/abi.h, above).
#include "egresswatch.skel.h"

using namespace egresswatch;

namespace {

bool has(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

KernelFacts kernel_6_18() { return {.exit_tracepoint_passes_group_dead = true, .sock_length_tracepoints = true}; }
KernelFacts kernel_6_12() { return {.exit_tracepoint_passes_group_dead = false, .sock_length_tracepoints = true}; }
KernelFacts kernel_6_1() { return {}; }

}  // namespace

TEST(ProgramPlan, EachKernelGetsTheHooksItHas) {
    ProgramPlan newest = ProgramPlan::initial(true, true, false, kernel_6_18());
    EXPECT_EQ(newest.exit_hook, ExitHook::group_dead_argument);
    EXPECT_EQ(newest.tls_socket_hooks, std::vector{TlsSocketHook::tracepoint});
    EXPECT_TRUE(has(newest.programs(), "process_exit_group_dead"));
    EXPECT_FALSE(has(newest.programs(), "process_exit_live_count"));
    EXPECT_FALSE(has(newest.programs(), "tcp_sendmsg_tls_bind"));

    ProgramPlan debian12_backports = ProgramPlan::initial(true, true, false, kernel_6_12());
    EXPECT_EQ(debian12_backports.exit_hook, ExitHook::live_count);
    EXPECT_TRUE(has(debian12_backports.programs(), "process_exit_live_count"));
    EXPECT_TRUE(has(debian12_backports.programs(), "sock_send_length_tls_bind"));

    // 6.1: no sock_send_length, so fentry, with kprobes loaded beside it in case fentry
    // cannot attach.
    ProgramPlan debian12 = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_EQ(debian12.tls_socket_hooks, (std::vector{TlsSocketHook::fentry, TlsSocketHook::kprobe}));
    for (const char* name :
         {"tcp_sendmsg_tls_bind", "tcp_recvmsg_tls_bind", "tcp_sendmsg_tls_bind_kprobe", "tcp_recvmsg_tls_bind_kprobe"})
        EXPECT_TRUE(has(debian12.programs(), name)) << name;
    EXPECT_FALSE(has(debian12.programs(), "sock_send_length_tls_bind"));
    EXPECT_TRUE(debian12.degradations.empty());
}

TEST(ProgramPlan, OptionsTurnFeaturesOff) {
    ProgramPlan connections_only = ProgramPlan::initial(false, true, false, kernel_6_18());
    EXPECT_FALSE(connections_only.tls) << "HTTPS capture needs payload inspection";
    EXPECT_FALSE(has(connections_only.programs(), "egress_capture"));
    EXPECT_FALSE(has(connections_only.programs(), "sock_release_forget_owner"));
    EXPECT_FALSE(has(connections_only.programs(), "uprobe_tls_call_enter"));
    EXPECT_TRUE(has(connections_only.programs(), "connect4_record"));
    EXPECT_EQ(connections_only.unused_maps(), (std::vector<std::string>{"tls_calls", "tls_sessions", "go_tls_calls"}));

    ProgramPlan no_tls = ProgramPlan::initial(true, false, false, kernel_6_18());
    EXPECT_TRUE(has(no_tls.programs(), "egress_capture"));
    EXPECT_FALSE(has(no_tls.programs(), "tls_thread_exit"));
    EXPECT_TRUE(no_tls.tls_socket_hooks.empty());
}

TEST(ProgramPlan, ARefusedExitArgumentFallsBackToTheLiveCount) {
    ProgramPlan plan = ProgramPlan::initial(true, true, false, kernel_6_18());
    EXPECT_TRUE(plan.fall_back("process_exit_group_dead", "func 'sched_process_exit' doesn't have 2-th argument"));
    EXPECT_EQ(plan.exit_hook, ExitHook::live_count);
    EXPECT_TRUE(plan.degradations.empty()) << "the same exits, found another way";
    EXPECT_FALSE(plan.fall_back("process_exit_live_count", "rejected")) << "process lineage is required";
}

TEST(ProgramPlan, TlsSocketHooksFallBackCheapestFirstThenTurnOff) {
    ProgramPlan plan = ProgramPlan::initial(true, true, false, kernel_6_18());
    EXPECT_TRUE(plan.fall_back("sock_recv_length_tls_bind", "refused"));
    EXPECT_EQ(plan.tls_socket_hooks, (std::vector{TlsSocketHook::fentry, TlsSocketHook::kprobe}));
    EXPECT_TRUE(plan.fall_back("tcp_sendmsg_tls_bind", "fentry: Operation not permitted"));
    EXPECT_EQ(plan.tls_socket_hooks, std::vector{TlsSocketHook::kprobe});
    EXPECT_TRUE(plan.degradations.empty());
    plan.tls_socket_hook_refused(TlsSocketHook::kprobe, "attaching: No such file or directory");
    EXPECT_TRUE(plan.tls) << "HTTPS requests are still read, without their connection";
    ASSERT_EQ(plan.degradations.size(), 1u);
    std::string line = plan.degradations[0].line();
    EXPECT_EQ(line.find("joining HTTPS requests to their connections unavailable: "), 0u) << line;
    for (const char* reason : {"refused", "fentry: Operation not permitted", "attaching: No such file"})
        EXPECT_NE(line.find(reason), std::string::npos) << line;
    EXPECT_NE(line.find("still recorded: HTTPS requests without their connection"), std::string::npos) << line;
}

TEST(ProgramPlan, ARefusedFeatureCostsOnlyItself) {
    ProgramPlan tls = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_TRUE(tls.fall_back("tls_calls", "map tls_calls: failed to create: Invalid argument"));
    EXPECT_FALSE(tls.tls);
    EXPECT_TRUE(tls.payload);
    EXPECT_FALSE(has(tls.programs(), "tcp_sendmsg_tls_bind"));
    EXPECT_TRUE(has(tls.unused_maps(), "tls_calls"));
    ASSERT_EQ(tls.degradations.size(), 1u);
    EXPECT_EQ(tls.degradations[0].line(),
              "HTTPS requests (TLS library plaintext) unavailable: map tls_calls: failed to create: Invalid argument; "
              "still recorded: connections, processes, DNS, TLS SNI and plaintext HTTP requests");

    ProgramPlan payload = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_TRUE(payload.fall_back("ingress_capture", "the verifier rejected ingress_capture: R1 invalid"));
    EXPECT_FALSE(payload.payload || payload.tls || payload.socket_release);
    EXPECT_TRUE(has(payload.programs(), "sched_process_exec_record"));

    // Go's probes go alone; the libraries' stay. Without the libraries' maps they go too.
    ProgramPlan go = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_TRUE(has(go.programs(), "uprobe_go_tls_return"));
    EXPECT_TRUE(go.fall_back("uprobe_go_tls_return", "the verifier rejected uprobe_go_tls_return: R1 invalid"));
    EXPECT_TRUE(go.tls);
    EXPECT_FALSE(go.tls_go);
    EXPECT_FALSE(has(go.programs(), "uprobe_go_tls_enter"));
    EXPECT_TRUE(has(go.programs(), "uprobe_tls_call_enter"));
    EXPECT_EQ(go.unused_maps(), std::vector<std::string>{"go_tls_calls"});
    ASSERT_EQ(go.degradations.size(), 1u);
    EXPECT_EQ(go.degradations[0].line().rfind("HTTPS requests of Go programs (crypto/tls) unavailable: ", 0), 0u);
    EXPECT_FALSE(tls.tls_go) << "no Go probes without the libraries' maps";
    EXPECT_FALSE(has(tls.programs(), "uprobe_go_tls_enter"));

    ProgramPlan release = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_TRUE(release.fall_back("sock_release_forget_owner", "attaching it failed"));
    EXPECT_TRUE(release.payload);
    EXPECT_FALSE(has(release.programs(), "sock_release_forget_owner"));
}

TEST(ProgramPlan, RequiredProgramsAndEnforcementsPayloadHaveNoFallback) {
    ProgramPlan plan = ProgramPlan::initial(true, true, false, kernel_6_1());
    EXPECT_FALSE(plan.fall_back("connect4_record", "BPF_STX uses reserved fields"));
    EXPECT_FALSE(plan.fall_back("sched_process_fork_record", "rejected"));
    EXPECT_FALSE(plan.fall_back("", "libbpf could not load the BPF object"));
    ProgramPlan enforcing = ProgramPlan::initial(true, true, true, kernel_6_1());
    EXPECT_FALSE(enforcing.fall_back("egress_capture", "rejected")) << "--enforce learns DNS answers there";
    EXPECT_TRUE(enforcing.fall_back("uprobe_tls_call_enter", "rejected")) << "but it can do without HTTPS requests";
}

TEST(ProgramPlan, WithoutTheCgroupMkdirHookCgroupsAreNamedByARescan) {
    ProgramPlan plan = ProgramPlan::initial(true, true, false, kernel_6_1());
    auto programs = plan.programs();
    EXPECT_NE(std::find(programs.begin(), programs.end(), "cgroup_mkdir_record"), programs.end());
    EXPECT_TRUE(plan.fall_back("cgroup_mkdir_record", "rejected"));
    programs = plan.programs();
    EXPECT_EQ(std::find(programs.begin(), programs.end(), "cgroup_mkdir_record"), programs.end());
    EXPECT_TRUE(plan.payload && plan.tls) << "only that feature is off";
    ASSERT_EQ(plan.degradations.size(), 1u);
    EXPECT_NE(plan.degradations[0].line().find("rescan of the cgroup tree"), std::string::npos)
        << plan.degradations[0].line();
    EXPECT_FALSE(describe_hooks(plan).contains("cgroup_names"));
}

TEST(ProgramPlan, DescribesTheHooksInUse) {
    ProgramPlan plan = ProgramPlan::initial(true, true, true, kernel_6_1());
    plan.tls_socket_hooks = {TlsSocketHook::fentry};  // as attached
    auto hooks = describe_hooks(plan);
    EXPECT_EQ(hooks.size(), 9u);
    EXPECT_NE(hooks["tls_plaintext_go"].find("every return of crypto/tls.(*Conn).Write/Read"), std::string::npos);
    EXPECT_EQ(hooks["cgroup_names"], "tp_btf/cgroup_mkdir");
    EXPECT_NE(hooks["process_lineage"].find("live thread count"), std::string::npos);
    EXPECT_NE(hooks["tls_plaintext"].find("sockets joined through fentry/tcp_sendmsg + tcp_recvmsg"),
              std::string::npos);
    EXPECT_TRUE(hooks.contains("enforcement"));
    plan.tls_socket_hook_refused(TlsSocketHook::fentry, "refused");
    EXPECT_NE(describe_hooks(plan)["tls_plaintext"].find("joined through nothing"), std::string::npos);
    EXPECT_FALSE(describe_hooks(ProgramPlan::initial(false, false, false, kernel_6_1())).contains("payload"));
    EXPECT_EQ(hooks["connections"], "cgroup/connect4 + cgroup/connect6") << "attached at the scope";
    plan.sock_addr_at_root = true;
    EXPECT_EQ(describe_hooks(plan)["datagrams"],
              "cgroup/sendmsg4 + cgroup/sendmsg6 at the cgroup root, scoped by the acting task's cgroup");
}

TEST(ProgramPlan, EveryProgramOfTheObjectBelongsToAFeature) {
    egresswatch_bpf* skel = egresswatch_bpf__open();
    ASSERT_NE(skel, nullptr);
    std::vector<std::string> programs;
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel->obj) programs.emplace_back(bpf_program__name(prog));
    egresswatch_bpf__destroy(skel);
    for (const std::string& name : programs) EXPECT_FALSE(feature_of(name).empty()) << name;
    // And the plan loads each of them on some kernel.
    std::vector<std::string> ever;
    for (KernelFacts facts : {kernel_6_18(), kernel_6_1()}) {
        ProgramPlan plan = ProgramPlan::initial(true, true, false, facts);
        for (auto& name : plan.programs()) ever.push_back(name);
    }
    for (const std::string& name : programs) EXPECT_TRUE(has(ever, name)) << name << " is never loaded";
}

TEST(LoadFailure, NamesTheProgramAndTheVerifiersConclusion) {
    // What libbpf 1.1 printed on Debian's 6.1 kernel for the group_dead argument.
    std::vector<LibbpfMessage> messages = {
        {false, "libbpf: loading kernel BTF '/sys/kernel/btf/vmlinux': 0"},
        {true, "libbpf: prog 'process_exit_group_dead': BPF program load failed: Permission denied"},
        {true, "libbpf: prog 'process_exit_group_dead': -- BEGIN PROG LOAD LOG --\n"
               "reg type unsupported for arg#0 function process_exit_group_dead#603\n"
               "0: R1=ctx(off=0,imm=0) R10=fp0\n"
               "; int BPF_PROG(process_exit_group_dead, struct task_struct *task, bool group_dead)\n"
               "0: (79) r7 = *(u64 *)(r1 +8)\n"
               "func 'sched_process_exit' doesn't have 2-th argument\n"
               "invalid bpf_context access off=8 size=8\n"
               "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
               "-- END PROG LOAD LOG --"},
        {true, "libbpf: prog 'process_exit_group_dead': failed to load: -13"},
        {true, "libbpf: failed to load object 'egresswatch_bpf'"},
    };
    LoadFailure f = diagnose_load_failure(messages, -13);
    EXPECT_EQ(f.object, "process_exit_group_dead");
    EXPECT_TRUE(f.verifier);
    EXPECT_FALSE(f.map);
    EXPECT_EQ(f.reason, "the verifier rejected process_exit_group_dead: func 'sched_process_exit' doesn't have "
                        "2-th argument; invalid bpf_context access off=8 size=8");
}

TEST(LoadFailure, AMissingHookOrMapIsSaidSo) {
    LoadFailure missing = diagnose_load_failure(
        {{true,
          "libbpf: prog 'sock_send_length_tls_bind': failed to find kernel BTF type ID of 'sock_send_length': -3"},
         {true, "libbpf: prog 'sock_send_length_tls_bind': failed to prepare load attributes: -3"}},
        -3);
    EXPECT_EQ(missing.object, "sock_send_length_tls_bind");
    EXPECT_FALSE(missing.verifier);
    EXPECT_EQ(missing.reason, "sock_send_length_tls_bind needs sock_send_length, which this kernel does not have");

    LoadFailure map =
        diagnose_load_failure({{true, "libbpf: map 'tls_calls': failed to create: Invalid argument(-22)"}}, -22);
    EXPECT_EQ(map.object, "tls_calls");
    EXPECT_TRUE(map.map);
    EXPECT_EQ(map.reason, "map tls_calls: failed to create: Invalid argument(-22)");

    LoadFailure nothing = diagnose_load_failure({{false, "libbpf: prog 'x': relo #1: ok"}}, -1);
    EXPECT_TRUE(nothing.object.empty()) << "only warnings name what failed";
    EXPECT_EQ(nothing.reason, "libbpf could not load the BPF object: Operation not permitted");
}

TEST(LoadFailure, VerifierConclusionSkipsStatistics) {
    EXPECT_EQ(verifier_conclusion("a\nb\nc\n\nprocessed 5 insns (limit 1000000)\nverification time 12 usec\n"
                                  "stack depth 0\n"),
              "b; c");
    EXPECT_EQ(verifier_conclusion("only\n"), "only");
    EXPECT_EQ(verifier_conclusion(""), "");
}
