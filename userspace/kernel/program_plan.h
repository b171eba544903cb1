#pragma once
// Which of egresswatch's BPF programs to load on this kernel, and what to do when the kernel
// refuses one. Every program belongs to one feature; a program the kernel refuses moves its
// feature to the next hook that can do the job, or turns that feature off with one line
// saying why and what still works. Only connections and process lineage are required.
// Pure logic: the loader feeds it the kernel's answers.

#include <map>
#include <string>
#include <vector>

namespace egresswatch {

// How a process's exit is recognised: the tracepoint's group_dead argument (Linux 6.16+), or
// the group's live-thread count read from the task (6.1, 6.12: the tracepoint passes only the
// task), deduplicated in the kernel.
enum class ExitHook { group_dead_argument, live_count };

// How a TLS library call learns its socket, cheapest first: the sock_send_length and
// sock_recv_length tracepoints (6.2+), else fentry, else a kprobe, on tcp_sendmsg/tcp_recvmsg.
enum class TlsSocketHook { tracepoint, fentry, kprobe };

const char* to_string(ExitHook hook);
const char* to_string(TlsSocketHook hook);
// "tracepoint", "fentry", "kprobe": how tests name a hook.
const char* key(TlsSocketHook hook);

// What the kernel's BTF says about the hooks, read before anything is loaded.
struct KernelFacts {
    bool exit_tracepoint_passes_group_dead = false;
    bool sock_length_tracepoints = false;
};

// A feature the kernel refused, in the words a warning line and doctor use.
struct Degradation {
    std::string feature;      // "HTTPS requests (TLS library plaintext)"
    std::string reason;       // the kernel's: "the verifier rejected uprobe_tls_call_enter: ..."
    std::string still_works;  // "connections, processes, DNS, TLS SNI and HTTP names"
    // "<feature> unavailable: <reason>; still recorded: <still_works>"
    std::string line() const;
};

struct ProgramPlan {
    bool payload = true;             // cgroup_skb: DNS, TLS SNI, HTTP (and --enforce's DNS answers)
    bool socket_release = true;      // cgroup/sock_release: cheaper socket owners
    bool sock_addr_at_root = false;  // connect/sendmsg attached at the cgroup root, scoped by the acting task
    bool tls = true;                 // TLS library uprobes: HTTPS request plaintext
    bool tls_go = true;              // Go crypto/tls uprobes (they need tls too)
    bool cgroup_names = true;        // tp_btf/cgroup_mkdir: cgroups made during the session, named at once
    bool enforce = false;            // --enforce: payload is required
    // run: cgroups its tasks make (containers) join its scope, by tp_btf/cgroup_mkdir.
    bool follow_containers = false;
    bool packets_at_root = false;  // cgroup_skb attached at the root, scoped per packet (following)
    ExitHook exit_hook = ExitHook::group_dead_argument;
    // Loaded, in order of preference; the first that attaches is used.
    std::vector<TlsSocketHook> tls_socket_hooks;
    // Why each TLS socket hook tried so far was refused, to say so if none is left.
    std::vector<std::string> tls_socket_refusals;
    std::vector<Degradation> degradations;

    static ProgramPlan initial(bool payload, bool tls, bool enforce, const KernelFacts& facts);

    // The programs to load, and the maps no loaded program uses (left uncreated, so that a
    // map type the kernel lacks only costs the feature that needs it).
    std::vector<std::string> programs() const;
    std::vector<std::string> unused_maps() const;

    // The kernel refused `object` (a program or map) for `reason`: moves its feature to its
    // next hook or turns it off, and returns true; false if egresswatch cannot do without it.
    bool fall_back(const std::string& object, const std::string& reason);
    // The kernel refused one TLS socket hook at attach: it is dropped, and if it was the
    // last, joining HTTPS requests to their connections is off.
    void tls_socket_hook_refused(TlsSocketHook hook, const std::string& reason);
    // tp_btf/cgroup_mkdir was refused, at load or attach: cgroups are named by a rescan, and
    // a run follows no container.
    void cgroup_unnamed(const std::string& reason);
    // The cgroup_skb programs loaded but could not be attached.
    void payload_unattachable(const std::string& reason);

    // The programs of one TLS socket hook (send, receive).
    static std::vector<std::string> programs_of(TlsSocketHook hook);
    static std::string exit_program(ExitHook hook);
};

// The hooks each job uses under `plan`, by job key (connections, datagrams, process_lineage,
// payload, tls_plaintext, tls_plaintext_go, transport, enforcement, cgroup_names): the start record's kernel_features
// and doctor's list.
std::map<std::string, std::string> describe_hooks(const ProgramPlan& plan);

// Every program and map the BPF object has, with the feature it belongs to ("connections",
// "process lineage", ...): the loader refuses to load an object with one this table lacks.
const std::vector<std::string>& all_planned_objects();
std::string feature_of(const std::string& object);

}  // namespace egresswatch
