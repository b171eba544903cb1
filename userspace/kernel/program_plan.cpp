#include "kernel/program_plan.h"

#include <algorithm>
#include <initializer_list>

namespace egresswatch {
namespace {

// The features, by the name messages use.
constexpr const char* kConnections = "connections";
constexpr const char* kLineage = "process lineage";
constexpr const char* kPayload = "names and requests (DNS, TLS SNI, HTTP)";
constexpr const char* kSocketRelease = "cheaper socket owners (cgroup/sock_release)";
constexpr const char* kTls = "HTTPS requests (TLS library plaintext)";
constexpr const char* kTlsGo = "HTTPS requests of Go programs (crypto/tls)";
constexpr const char* kTlsSocket = "joining HTTPS requests to their connections";
constexpr const char* kCgroupNames = "naming cgroups made during the session as they appear";
constexpr const char* kFollowContainers = "following the containers the command starts";
constexpr const char* kWithoutPayload = "connections and datagrams with their processes, without names";

struct PlannedObject {
    const char* name;
    const char* feature;
};

// Every program and map of bpf/egresswatch.bpf.c whose loss costs a feature. Maps not
// listed are created always: they are of types every supported kernel has.
const PlannedObject kObjects[] = {
    {"connect4_record", kConnections},
    {"connect6_record", kConnections},
    {"sendmsg4_record", kConnections},
    {"sendmsg6_record", kConnections},
    {"sched_process_exec_record", kLineage},
    {"sched_process_fork_record", kLineage},
    {"process_exit_group_dead", kLineage},
    {"process_exit_live_count", kLineage},
    {"cgroup_mkdir_record", kCgroupNames},
    {"cgroup_rmdir_unfollow", kCgroupNames},
    {"egress_capture", kPayload},
    {"ingress_capture", kPayload},
    {"sock_release_forget_owner", kSocketRelease},
    {"uprobe_tls_call_enter", kTls},
    {"uretprobe_tls_call_exit", kTls},
    {"uprobe_tls_session_free", kTls},
    {"uprobe_loader_libs_changed", kTls},
    {"tls_thread_exit", kTls},
    {"tls_calls", kTls},
    {"tls_sessions", kTls},
    {"uprobe_go_tls_enter", kTlsGo},
    {"uprobe_go_tls_return", kTlsGo},
    {"uprobe_go_tls_close", kTlsGo},
    {"go_tls_calls", kTlsGo},
    {"sock_send_length_tls_bind", kTlsSocket},
    {"sock_recv_length_tls_bind", kTlsSocket},
    {"tcp_sendmsg_tls_bind", kTlsSocket},
    {"tcp_recvmsg_tls_bind", kTlsSocket},
    {"tcp_sendmsg_tls_bind_kprobe", kTlsSocket},
    {"tcp_recvmsg_tls_bind_kprobe", kTlsSocket},
};

const std::initializer_list<const char*> kConnectionPrograms = {"connect4_record", "connect6_record", "sendmsg4_record",
                                                                "sendmsg6_record"};
const std::initializer_list<const char*> kPayloadPrograms = {"egress_capture", "ingress_capture"};
const std::initializer_list<const char*> kTlsPrograms = {"uprobe_tls_call_enter", "uretprobe_tls_call_exit",
                                                         "uprobe_tls_session_free", "uprobe_loader_libs_changed",
                                                         "tls_thread_exit"};
const std::initializer_list<const char*> kTlsMaps = {"tls_calls", "tls_sessions"};
// They use the TLS maps: no Go probes without the library ones.
const std::initializer_list<const char*> kTlsGoPrograms = {"uprobe_go_tls_enter", "uprobe_go_tls_return",
                                                           "uprobe_go_tls_close"};
const std::initializer_list<const char*> kTlsGoMaps = {"go_tls_calls"};

bool contains(std::initializer_list<const char*> names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

const char* to_string(ExitHook hook) {
    switch (hook) {
    case ExitHook::group_dead_argument: return "tp_btf/sched_process_exit (its group_dead argument)";
    case ExitHook::live_count: return "tp_btf/sched_process_exit (the task's live thread count)";
    }
    return "";
}

const char* to_string(TlsSocketHook hook) {
    switch (hook) {
    case TlsSocketHook::tracepoint: return "tp_btf/sock_send_length + sock_recv_length";
    case TlsSocketHook::fentry: return "fentry/tcp_sendmsg + tcp_recvmsg";
    case TlsSocketHook::kprobe: return "kprobe/tcp_sendmsg + tcp_recvmsg";
    }
    return "";
}

const char* key(TlsSocketHook hook) {
    switch (hook) {
    case TlsSocketHook::tracepoint: return "tracepoint";
    case TlsSocketHook::fentry: return "fentry";
    case TlsSocketHook::kprobe: return "kprobe";
    }
    return "";
}

std::string Degradation::line() const {
    return feature + " unavailable: " + reason + "; still recorded: " + still_works;
}

ProgramPlan ProgramPlan::initial(bool payload, bool tls, bool enforce, const KernelFacts& facts) {
    ProgramPlan plan;
    plan.payload = payload;
    plan.socket_release = payload;
    plan.tls = payload && tls;
    plan.tls_go = plan.tls;
    plan.enforce = enforce;
    plan.exit_hook = facts.exit_tracepoint_passes_group_dead ? ExitHook::group_dead_argument : ExitHook::live_count;
    if (plan.tls) {
        if (facts.sock_length_tracepoints)
            plan.tls_socket_hooks = {TlsSocketHook::tracepoint};
        else
            plan.tls_socket_hooks = {TlsSocketHook::fentry, TlsSocketHook::kprobe};
    }
    return plan;
}

std::vector<std::string> ProgramPlan::programs_of(TlsSocketHook hook) {
    switch (hook) {
    case TlsSocketHook::tracepoint: return {"sock_send_length_tls_bind", "sock_recv_length_tls_bind"};
    case TlsSocketHook::fentry: return {"tcp_sendmsg_tls_bind", "tcp_recvmsg_tls_bind"};
    case TlsSocketHook::kprobe: return {"tcp_sendmsg_tls_bind_kprobe", "tcp_recvmsg_tls_bind_kprobe"};
    }
    return {};
}

std::string ProgramPlan::exit_program(ExitHook hook) {
    return hook == ExitHook::group_dead_argument ? "process_exit_group_dead" : "process_exit_live_count";
}

std::vector<std::string> ProgramPlan::programs() const {
    std::vector<std::string> out(kConnectionPrograms.begin(), kConnectionPrograms.end());
    out.insert(out.end(), {"sched_process_exec_record", "sched_process_fork_record", exit_program(exit_hook)});
    if (cgroup_names) out.insert(out.end(), {"cgroup_mkdir_record", "cgroup_rmdir_unfollow"});
    if (payload) out.insert(out.end(), kPayloadPrograms.begin(), kPayloadPrograms.end());
    if (socket_release) out.push_back("sock_release_forget_owner");
    if (tls) {
        out.insert(out.end(), kTlsPrograms.begin(), kTlsPrograms.end());
        for (TlsSocketHook hook : tls_socket_hooks)
            for (std::string& name : programs_of(hook)) out.push_back(std::move(name));
    }
    if (tls && tls_go) out.insert(out.end(), kTlsGoPrograms.begin(), kTlsGoPrograms.end());
    return out;
}

std::vector<std::string> ProgramPlan::unused_maps() const {
    std::vector<std::string> out;
    if (!tls) out.insert(out.end(), kTlsMaps.begin(), kTlsMaps.end());
    if (!tls || !tls_go) out.insert(out.end(), kTlsGoMaps.begin(), kTlsGoMaps.end());
    return out;
}

bool ProgramPlan::fall_back(const std::string& object, const std::string& reason) {
    if (object == exit_program(ExitHook::group_dead_argument) && exit_hook == ExitHook::group_dead_argument) {
        exit_hook = ExitHook::live_count;
        return true;
    }
    for (TlsSocketHook hook : tls_socket_hooks) {
        auto names = programs_of(hook);
        if (std::find(names.begin(), names.end(), object) == names.end()) continue;
        // The tracepoints are chosen alone where the kernel has them; refused, the next
        // cheapest are tried as on a kernel without them.
        if (hook == TlsSocketHook::tracepoint)
            tls_socket_hooks = {TlsSocketHook::tracepoint, TlsSocketHook::fentry, TlsSocketHook::kprobe};
        tls_socket_hook_refused(hook, reason);
        return true;
    }
    if (tls && tls_go && (contains(kTlsGoPrograms, object) || contains(kTlsGoMaps, object))) {
        tls_go = false;
        degradations.push_back({kTlsGo, reason,
                                "everything else; a Go program's HTTPS connections are named by SNI and end "
                                "saying their requests are not visible"});
        return true;
    }
    if (tls && (contains(kTlsPrograms, object) || contains(kTlsMaps, object))) {
        tls = tls_go = false;
        tls_socket_hooks.clear();
        degradations.push_back({kTls, reason, "connections, processes, DNS, TLS SNI and plaintext HTTP requests"});
        return true;
    }
    if (payload && !enforce && contains(kPayloadPrograms, object)) {
        payload = socket_release = tls = tls_go = false;
        tls_socket_hooks.clear();
        degradations.push_back({kPayload, reason, kWithoutPayload});
        return true;
    }
    if (cgroup_names && (object == "cgroup_mkdir_record" || object == "cgroup_rmdir_unfollow")) {
        cgroup_unnamed(reason);
        return true;
    }
    if (socket_release && object == "sock_release_forget_owner") {
        socket_release = false;
        degradations.push_back(
            {kSocketRelease, reason, "everything; each connection's owner is allocated at connect (slower)"});
        return true;
    }
    return false;
}

void ProgramPlan::tls_socket_hook_refused(TlsSocketHook hook, const std::string& reason) {
    std::erase(tls_socket_hooks, hook);
    tls_socket_refusals.push_back(std::string(to_string(hook)) + ": " + reason);
    if (!tls_socket_hooks.empty()) return;
    std::string all;
    for (const std::string& refusal : tls_socket_refusals) all += (all.empty() ? "" : "; ") + refusal;
    degradations.push_back({kTlsSocket, "the kernel refused every hook that can do it (" + all + ")",
                            "HTTPS requests without their connection (cookie 0, counted as lost: tls_unjoined)"});
}

void ProgramPlan::cgroup_unnamed(const std::string& reason) {
    cgroup_names = false;
    degradations.push_back({kCgroupNames, reason,
                            "everything; a cgroup made during the session is named by a rescan of the cgroup "
                            "tree, at most once a second, and one gone before then is left unnamed"});
    if (follow_containers) {
        follow_containers = false;
        degradations.push_back({kFollowContainers, reason,
                                "everything outside containers; 'egresswatch watch' sees the containers' traffic"});
    }
}

void ProgramPlan::payload_unattachable(const std::string& reason) {
    payload = socket_release = tls = tls_go = false;
    tls_socket_hooks.clear();
    degradations.push_back({kPayload, reason, kWithoutPayload});
}

std::map<std::string, std::string> describe_hooks(const ProgramPlan& plan) {
    const char* where = plan.sock_addr_at_root ? " at the cgroup root, scoped by the acting task's cgroup" : "";
    std::map<std::string, std::string> hooks{
        {"connections", std::string("cgroup/connect4 + cgroup/connect6") + where},
        {"datagrams", std::string("cgroup/sendmsg4 + cgroup/sendmsg6") + where},
        {"process_lineage", std::string("tp_btf/sched_process_exec, _fork; exit: ") + to_string(plan.exit_hook)},
        {"transport", "BPF ring buffer"},
    };
    if (plan.cgroup_names) hooks["cgroup_names"] = "tp_btf/cgroup_mkdir";
    if (plan.follow_containers)
        hooks["follow_containers"] =
            std::string("tp_btf/cgroup_mkdir: a cgroup made in scope or below a followed one joins the scope") +
            (plan.packets_at_root ? "; cgroup_skb at the cgroup root, scoped by the socket's cgroup" : "");
    if (plan.payload)
        hooks["payload"] = std::string("cgroup_skb/egress + cgroup_skb/ingress, socket owners in sk_storage from a "
                                       "connection's first payload") +
                           (plan.socket_release ? " (before it, in a slot that cgroup/sock_release frees)" : "");
    if (plan.tls)
        hooks["tls_plaintext"] =
            std::string("uprobes on SSL_write/SSL_read(_ex) and gnutls_record_send/recv per library file; sockets "
                        "joined through ") +
            (plan.tls_socket_hooks.empty() ? "nothing (no hook attached)" : to_string(plan.tls_socket_hooks.front()));
    if (plan.tls && plan.tls_go)
        hooks["tls_plaintext_go"] = "uprobes on the entry and every return of crypto/tls.(*Conn).Write/Read per Go "
                                    "executable; sockets joined through the connection's file descriptor";
    if (plan.enforce)
        hooks["enforcement"] =
            "verdicts in cgroup/connect4, connect6, sendmsg4, sendmsg6; DNS answers learned at cgroup_skb/ingress";
    return hooks;
}

const std::vector<std::string>& all_planned_objects() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const PlannedObject& o : kObjects) out.emplace_back(o.name);
        return out;
    }();
    return names;
}

std::string feature_of(const std::string& object) {
    for (const PlannedObject& o : kObjects)
        if (object == o.name) return o.feature;
    return "";
}

}  // namespace egresswatch
