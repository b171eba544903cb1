#include "kernel/tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/errors.h"
#include "egresswatch/abi.h"
#include "enforce/enforce_plan.h"
#include "kernel/enforce_tables.h"
#include "kernel/features.h"
#include "kernel/kernel_btf.h"
#include "kernel/libbpf_error.h"
#include "kernel/libbpf_log.h"
#include "kernel/load_failure.h"

// Last: the skeleton's global variables have the ABI's types (egresswatch/abi.h, above).
#include "egresswatch.skel.h"

namespace egresswatch {
namespace {

// Every libbpf failure here is a setup error that says what to do.
[[noreturn]] void fail(const std::string& what, int err) { throw_bpf_error(what, err); }

}  // namespace

namespace {

// Test hooks, as environment variables: which TLS socket hook to load (tracepoint, fentry or
// kprobe), the exit hook (live_count), reading flow counters by key (EGRESSWATCH_TEST_FLOW_WALK),
// and programs to turn into ones the kernel rejects, so
// that tests on one kernel can take every fallback a stock kernel takes.
const char* test_hook(const char* name) {
    const char* value = std::getenv(name);
    return value && *value ? value : nullptr;
}

void apply_test_hooks(ProgramPlan& plan) {
    if (const char* hook = test_hook("EGRESSWATCH_TEST_TLS_SOCKET_HOOK"); hook && plan.tls) {
        plan.tls_socket_hooks.clear();
        for (TlsSocketHook h : {TlsSocketHook::tracepoint, TlsSocketHook::fentry, TlsSocketHook::kprobe})
            if (std::string(hook) == key(h)) plan.tls_socket_hooks.push_back(h);
    }
    if (const char* hook = test_hook("EGRESSWATCH_TEST_EXIT_HOOK"); hook && std::string(hook) == "live_count")
        plan.exit_hook = ExitHook::live_count;
}

bool rejected_by_test_hook(const char* program) {
    const char* names = test_hook("EGRESSWATCH_TEST_REJECT_PROGRAMS");
    if (!names) return false;
    std::string list = std::string(",") + names + ",";
    return list.find(std::string(",") + program + ",") != std::string::npos;
}

// The one line a load that cannot go on ends with: the kernel feature missing, if a probe
// can name it, then the kernel's own reason.
std::string load_error(const LoadFailure& failure) {
    if (std::optional<std::string> missing = missing_kernel_requirement())
        return "this kernel is too old for egresswatch, which supports Linux 6.1 and later: " + *missing + " (" +
               failure.reason + ")";
    std::string feature = feature_of(failure.object);
    std::string what = feature.empty() ? "" : " (" + feature + ", which egresswatch cannot work without)";
    if (failure.object == "egress_capture" || failure.object == "ingress_capture")
        what = " (--enforce learns allowed names' addresses from DNS answers there)";
    return "loading the BPF programs failed: " + failure.reason + what + ". Run 'egresswatch doctor'" +
           (failure.verifier ? "; -v shows the verifier's whole log" : "");
}

}  // namespace

Tracer::Tracer(const LoaderOptions& options) {
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0)
        throw SetupError("this kernel has no BTF (/sys/kernel/btf/vmlinux): egresswatch needs CONFIG_DEBUG_INFO_BTF=y");
    plan_ = ProgramPlan::initial(options.capture_payload, options.capture_tls, options.enforce != nullptr,
                                 read_kernel_facts());
    plan_.follow_containers = options.follow_cgroups && options.scope_cgroup_fd >= 0;
    apply_test_hooks(plan_);
    uprobe_multi_ = options.uprobe_multi;
    // Each refusal moves one feature to its next hook or turns it off, so this ends; the
    // bound only guards against a libbpf that names no program.
    for (int attempt = 0;; ++attempt) {
        open_for_plan(options);
        LibbpfCapture capture;
        int err = egresswatch_bpf__load(skel_);
        if (err == 0) break;
        LoadFailure failure = diagnose_load_failure(capture.messages(), err);
        destroy_skeleton();
        spdlog::debug("the kernel refused {}: {}", failure.object.empty() ? "the BPF object" : failure.object,
                      failure.reason);
        if (attempt >= 8 || !plan_.fall_back(failure.object, failure.reason)) throw SetupError(load_error(failure));
    }
    if (options.scope_cgroup_fd >= 0) {
        std::uint32_t slot = 0;
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.scope_cgroup), &slot, &options.scope_cgroup_fd, BPF_ANY) != 0)
            fail("setting the scope cgroup", errno);
    }
    try {
        if (options.enforce) fill_enforcement(skel_, *options.enforce);
    } catch (...) {
        destroy_skeleton();
        throw;
    }
    spdlog::debug("BPF programs loaded (ring buffer {} bytes)", options.ringbuf_bytes);
    if (plan_.tls)
        spdlog::debug("TLS uprobes: {}", uprobe_multi_ ? "uprobe_multi links, one per library and program"
                                                       : "classic links, one per function");
}

void Tracer::open_for_plan(const LoaderOptions& options) {
    skel_ = egresswatch_bpf__open();
    if (!skel_) fail("opening the BPF object", errno);
    try {
        skel_->rodata->filter_by_cgroup = options.scope_cgroup_fd >= 0;
        if (options.scope_cgroup_fd >= 0) {
            // A cgroup v2 directory's inode number is the cgroup's id.
            struct stat st {};
            if (::fstat(options.scope_cgroup_fd, &st) != 0) fail("reading the scope cgroup's id", errno);
            skel_->rodata->scope_cgroup_id = st.st_ino;
        }
        skel_->rodata->follow_cgroups = plan_.follow_containers;
        skel_->rodata->hold_new_programs = options.hold_new_programs && plan_.tls;
        if (struct stat ns{}; ::stat("/proc/self/ns/pid", &ns) == 0) {
            skel_->rodata->hold_pidns_dev = (static_cast<std::uint64_t>(major(ns.st_dev)) << 20) | minor(ns.st_dev);
            skel_->rodata->hold_pidns_ino = ns.st_ino;
        } else {
            skel_->rodata->hold_new_programs = false;
        }
        skel_->rodata->packets_scoped_at_root = plan_.follow_containers && options.packet_cgroup_fd >= 0;
        if (int err = bpf_map__set_max_entries(skel_->maps.events, options.ringbuf_bytes))
            fail("sizing the ring buffer", err);
        // Userspace drains the ring every kDrainInterval; only a backlog this large wakes it
        // early. An eighth leaves room for the bursts that arrive while it wakes.
        skel_->rodata->wakeup_bytes = options.ringbuf_bytes / 8;
        skel_->rodata->dedup_connects = options.dedup_connects;
        if (int err = bpf_map__set_max_entries(skel_->maps.flow_dedup, options.dedup_entries))
            fail("sizing flow_dedup", err);
        skel_->rodata->capture_payload = plan_.payload;
        skel_->rodata->payload_packet_bytes = options.payload_packet_bytes;
        skel_->rodata->payload_flow_bytes = options.payload_flow_bytes;
        skel_->rodata->http_head_burst = options.http_head_burst;
        skel_->rodata->http_heads_per_sec = options.http_heads_per_sec;
        const std::uint32_t pending_slots = std::bit_ceil(options.pending_owner_entries);
        if (int err = bpf_map__set_max_entries(skel_->maps.pending_owners, pending_slots))
            fail("sizing pending_owners", err);
        skel_->rodata->pending_slot_mask = pending_slots - 1;

        const std::vector<std::string> wanted = plan_.programs();
        bpf_program* prog;
        bpf_object__for_each_program(prog, skel_->obj) {
            const char* name = bpf_program__name(prog);
            if (feature_of(name).empty())
                throw SetupError(std::string("BPF program ") + name + " belongs to no feature (program_plan.cpp)");
            bool load = std::find(wanted.begin(), wanted.end(), name) != wanted.end();
            bpf_program__set_autoload(prog, load);
            // A socket filter may use none of these programs' helpers or context: the
            // verifier rejects it, as a kernel that lacks what the program needs would.
            if (load && rejected_by_test_hook(name)) bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
        }
        for (const std::string& name : plan_.unused_maps())
            if (bpf_map* map = bpf_object__find_map_by_name(skel_->obj, name.c_str()))
                bpf_map__set_autocreate(map, false);
        if (plan_.tls && uprobe_multi_)
            for (bpf_program* p : {skel_->progs.uprobe_tls_call_enter, skel_->progs.uretprobe_tls_call_exit,
                                   skel_->progs.uprobe_tls_session_free, skel_->progs.uprobe_loader_libs_changed,
                                   skel_->progs.uprobe_go_tls_enter, skel_->progs.uprobe_go_tls_return,
                                   skel_->progs.uprobe_go_tls_close})
                bpf_program__set_expected_attach_type(p, static_cast<bpf_attach_type>(kAttachUprobeMulti));
        if (options.enforce)
            prepare_enforcement(skel_, *options.enforce, options.enforce_fail_open, options.enforce_learned_entries);
    } catch (...) {
        destroy_skeleton();
        throw;
    }
}

Tracer::~Tracer() {
    detach();
    destroy_skeleton();
}

void Tracer::destroy_skeleton() {
    if (skel_) egresswatch_bpf__destroy(skel_);
    skel_ = nullptr;
}

bpf_program* Tracer::program(const std::string& name) const {
    bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, name.c_str());
    if (!prog) throw SetupError("BPF program " + name + " is missing from the object");
    return prog;
}

void Tracer::attach_programs(const std::vector<std::string>& names, const char* what) {
    for (const std::string& name : names) {
        bpf_link* link = bpf_program__attach(program(name));
        if (!link) fail(std::string("attaching ") + name + " (" + what + ")", errno);
        links_.push_back(link);
    }
}

void Tracer::attach_sockets(int cgroup_fd, int sock_addr_cgroup_fd, int packet_cgroup_fd) {
    // A followed container's sockets are made in its own cgroup, outside the run's: the packet
    // programs see them only from the root, where they skip every other socket.
    int packets_fd = cgroup_fd;
    if (plan_.payload && skel_->rodata->packets_scoped_at_root) {
        int err = 0;
        {
            QuietLibbpf quiet;
            std::vector<LinkPtr> attached;
            for (bpf_program* prog : {skel_->progs.egress_capture, skel_->progs.ingress_capture}) {
                attached.emplace_back(bpf_program__attach_cgroup(prog, packet_cgroup_fd));
                if (!attached.back()) {
                    err = errno;
                    break;
                }
            }
            if (!err) {
                for (LinkPtr& link : attached) links_.push_back(link.release());
                packets_fd = packet_cgroup_fd;
                plan_.packets_at_root = true;
            }
        }
        if (err)
            spdlog::warn("attaching the packet programs at the cgroup root failed ({}): the names and requests "
                         "(DNS, TLS SNI, HTTP) of containers the command starts are not recorded, their "
                         "connections are",
                         errno_text(err));
    }
    // Before the connect hooks: a socket owner may wait in pending_owners only while
    // something removes it when the socket closes.
    if (plan_.socket_release) {
        if (bpf_link* link = bpf_program__attach_cgroup(skel_->progs.sock_release_forget_owner, packets_fd)) {
            links_.push_back(link);
            skel_->bss->defer_socket_owners = true;
        } else {
            plan_.fall_back("sock_release_forget_owner", "attaching it failed: " + errno_text(errno));
        }
    }
    std::vector<bpf_program*> sock_addr{skel_->progs.connect4_record, skel_->progs.connect6_record,
                                        skel_->progs.sendmsg4_record, skel_->progs.sendmsg6_record};
    if (sock_addr_cgroup_fd >= 0 && sock_addr_cgroup_fd != cgroup_fd) {
        std::size_t attached = links_.size();
        for (bpf_program* prog : sock_addr) {
            bpf_link* link = bpf_program__attach_cgroup(prog, sock_addr_cgroup_fd);
            if (!link) {
                // Another tool holds the root's hook exclusively: the scope's own cgroup still works.
                spdlog::warn("attaching {} at the cgroup root failed ({}): connects from sockets created outside "
                             "the observed cgroup and passed in are not seen",
                             bpf_program__name(prog), errno_text(errno));
                for (std::size_t i = attached; i < links_.size(); ++i) bpf_link__destroy(links_[i]);
                links_.resize(attached);
                break;
            }
            links_.push_back(link);
        }
        if (links_.size() > attached) {
            sock_addr.clear();
            plan_.sock_addr_at_root = true;
        }
    }
    for (bpf_program* prog : sock_addr) {
        bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
        if (!link) fail(std::string("attaching ") + bpf_program__name(prog) + " to the cgroup", errno);
        links_.push_back(link);
    }
    if (!plan_.payload || plan_.packets_at_root) return;
    for (bpf_program* prog : {skel_->progs.egress_capture, skel_->progs.ingress_capture}) {
        bpf_link* link = bpf_program__attach_cgroup(prog, cgroup_fd);
        if (!link) fail(std::string("attaching ") + bpf_program__name(prog) + " to the cgroup", errno);
        links_.push_back(link);
    }
}

void Tracer::attach_process_tracking() {
    attach_programs(
        {"sched_process_fork_record", "sched_process_exec_record", ProgramPlan::exit_program(plan_.exit_hook)},
        "process lineage");
    if (plan_.tls) attach_programs({"tls_thread_exit"}, "HTTPS requests");
    // Before the socket programs, so that a cgroup made in the same instant is named.
    if (plan_.cgroup_names) {
        if (bpf_link* link = bpf_program__attach(skel_->progs.cgroup_mkdir_record))
            links_.push_back(link);
        else
            plan_.cgroup_unnamed("attaching tp_btf/cgroup_mkdir failed: " + errno_text(errno));
        if (bpf_link* link = bpf_program__attach(skel_->progs.cgroup_rmdir_unfollow))
            links_.push_back(link);
        else
            spdlog::warn("attaching tp_btf/cgroup_rmdir failed ({}): removed cgroups stay in the followed table, "
                         "so a run follows at most {} cgroups over its life",
                         errno_text(errno), EW_FOLLOWED_CGROUPS_MAX);
    }
}

void Tracer::attach_tls_socket_tracking() {
    // A hook the kernel refuses is an answer, said once in the plan's own line.
    QuietLibbpf quiet;
    while (plan_.tls && !plan_.tls_socket_hooks.empty()) {
        TlsSocketHook hook = plan_.tls_socket_hooks.front();
        std::vector<LinkPtr> attached;
        std::string failed;
        for (const std::string& name : ProgramPlan::programs_of(hook)) {
            attached.emplace_back(bpf_program__attach(program(name)));
            if (!attached.back()) {
                failed = "attaching " + name + ": " + errno_text(errno);
                break;
            }
        }
        if (failed.empty()) {
            for (LinkPtr& link : attached) links_.push_back(link.release());
            plan_.tls_socket_hooks = {hook};
            return;
        }
        plan_.tls_socket_hook_refused(hook, failed);
    }
}

std::map<std::string, std::string> Tracer::hooks_in_use() const { return describe_hooks(plan_); }

void Tracer::keep_refusals(const std::vector<Degradation>& earlier) {
    plan_.degradations.insert(plan_.degradations.begin(), earlier.begin(), earlier.end());
}

void LinkDeleter::operator()(bpf_link* link) const { bpf_link__destroy(link); }

UprobeLinks Tracer::attach_uprobes(UprobeProgram program, const std::string& path,
                                   const std::vector<UprobeSite>& sites) const {
    bpf_program* prog = nullptr;
    bool retprobe = false;
    switch (program) {
    case UprobeProgram::tls_call_enter: prog = skel_->progs.uprobe_tls_call_enter; break;
    case UprobeProgram::tls_call_exit:
        prog = skel_->progs.uretprobe_tls_call_exit;
        retprobe = true;
        break;
    case UprobeProgram::tls_session_free: prog = skel_->progs.uprobe_tls_session_free; break;
    case UprobeProgram::loader_libs_changed: prog = skel_->progs.uprobe_loader_libs_changed; break;
    case UprobeProgram::go_tls_enter: prog = skel_->progs.uprobe_go_tls_enter; break;
    case UprobeProgram::go_tls_return: prog = skel_->progs.uprobe_go_tls_return; break;
    case UprobeProgram::go_tls_close: prog = skel_->progs.uprobe_go_tls_close; break;
    }
    auto failure = [&](int err) { fail(std::string("attaching ") + bpf_program__name(prog) + " to " + path, err); };
    if (uprobe_multi_) {
        int fd = create_uprobe_multi_link(bpf_program__fd(prog), path, sites, retprobe);
        if (fd < 0) failure(-fd);
        return UprobeLinks(fd);
    }
    UprobeLinks links;
    for (const UprobeSite& site : sites) {
        LIBBPF_OPTS(bpf_uprobe_opts, opts, .bpf_cookie = site.cookie, .retprobe = retprobe);
        // pid -1: every process that maps the file, now or later; the programs filter by scope.
        bpf_link* link = bpf_program__attach_uprobe_opts(prog, -1, path.c_str(), site.offset, &opts);
        if (!link) failure(errno);
        links.add_classic(link);
    }
    return links;
}

std::unique_ptr<Tracer> load_and_attach(const LoaderOptions& options, int cgroup_fd) {
    auto tracer = std::make_unique<Tracer>(options);
    // Process tracking first: by the time a socket event can fire, its process is known.
    tracer->attach_process_tracking();
    try {
        tracer->attach_sockets(cgroup_fd, options.sock_addr_cgroup_fd, options.packet_cgroup_fd);
    } catch (const SetupError& e) {
        // Loaded but not attachable to the cgroup: the cgroup_skb programs are the only
        // optional ones there, and they are compiled into the connect hooks (socket owners),
        // so the programs are loaded again without them.
        if (!tracer->capture_payload() || options.enforce) throw;
        ProgramPlan refused = tracer->plan();
        refused.payload_unattachable(e.what());
        tracer.reset();
        LoaderOptions without = options;
        without.capture_payload = without.capture_tls = false;
        tracer = std::make_unique<Tracer>(without);
        tracer->keep_refusals(refused.degradations);
        tracer->attach_process_tracking();
        tracer->attach_sockets(cgroup_fd, options.sock_addr_cgroup_fd, options.packet_cgroup_fd);
    }
    tracer->attach_tls_socket_tracking();
    return tracer;
}

void Tracer::mark_program_examined(std::uint64_t ino, std::uint32_t dev) const {
    struct {
        std::uint64_t ino;
        std::uint32_t dev, pad;
    } key{ino, dev, 0};
    std::uint8_t examined = 1;
    // Full or failing, the file is held again at its next exec: slower, never stuck.
    bpf_map_update_elem(bpf_map__fd(skel_->maps.programs_examined), &key, &examined, BPF_ANY);
}

bool Tracer::follow_cgroup(std::uint64_t cgroup_id) {
    if (!plan_.follow_containers) return false;
    std::uint8_t joined = 1;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.followed_cgroups), &cgroup_id, &joined, BPF_NOEXIST) != 0)
        return errno == EEXIST;
    // The programs skip the table while this is 0; they add to it atomically as well.
    __atomic_fetch_add(&skel_->bss->followed_cgroup_count, 1, __ATOMIC_SEQ_CST);
    return true;
}

void Tracer::detach() {
    for (bpf_link* link : links_) bpf_link__destroy(link);
    links_.clear();
}

int Tracer::ringbuf_fd() const { return bpf_map__fd(skel_->maps.events); }

std::optional<Tracer::RingFill> Tracer::ring_fill() const {
    // The ring's first page holds the reader's position, the second the writers': mapped read
    // only for a moment, as a scrape comes every few seconds at most.
    long page = ::sysconf(_SC_PAGESIZE);
    void* positions = ::mmap(nullptr, 2 * page, PROT_READ, MAP_SHARED, ringbuf_fd(), 0);
    if (positions == MAP_FAILED) return std::nullopt;
    auto* bytes = static_cast<const char*>(positions);
    std::uint64_t consumer = __atomic_load_n(reinterpret_cast<const std::uint64_t*>(bytes), __ATOMIC_ACQUIRE);
    std::uint64_t producer = __atomic_load_n(reinterpret_cast<const std::uint64_t*>(bytes + page), __ATOMIC_ACQUIRE);
    ::munmap(positions, 2 * page);
    return RingFill{producer - consumer, bpf_map__max_entries(skel_->maps.events)};
}

std::vector<Tracer::ProgramRunStats> Tracer::program_run_stats() const {
    std::vector<ProgramRunStats> out;
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, skel_->obj) {
        int fd = bpf_program__fd(prog);
        if (fd < 0) continue;  // not loaded: refused by the plan
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length)) continue;
        out.push_back({bpf_program__name(prog), info.run_cnt, info.run_time_ns});
    }
    return out;
}

std::array<std::uint64_t, EW_DROP__COUNT> Tracer::drop_counts() const {
    std::array<std::uint64_t, EW_DROP__COUNT> totals{};
    int ncpus = libbpf_num_possible_cpus();
    if (ncpus <= 0) return totals;
    std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(ncpus));
    int fd = bpf_map__fd(skel_->maps.drop_counters);
    for (std::uint32_t reason = 0; reason < EW_DROP__COUNT; ++reason) {
        if (bpf_map_lookup_elem(fd, &reason, per_cpu.data()) != 0) continue;
        for (std::uint64_t v : per_cpu) totals[reason] += v;
    }
    return totals;
}

void Tracer::visit_flow_counters(const FlowVisitor& visit) const {
    if (test_hook("EGRESSWATCH_TEST_FLOW_WALK")) return walk_flow_counters(visit);
    int fd = bpf_map__fd(skel_->maps.flow_dedup);
    // In batches of 1024: one system call each, where a walk by key makes two per entry (half a
    // million every 5 s at 262144 entries), and 48 KB held instead of a copy of the map.
    constexpr std::uint32_t kBatch = 1024;
    std::vector<ew_flow_key> keys(kBatch);
    std::vector<ew_flow_value> values(kBatch);
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    // Where the next batch starts: a hash map's bucket index, 4 bytes, opaque to userspace.
    std::uint64_t from = 0, next = 0;
    for (bool first = true;; first = false) {
        std::uint32_t count = kBatch;
        int err = bpf_map_lookup_batch(fd, first ? nullptr : &from, &next, keys.data(), values.data(), &count, &opts);
        if (err && err != -ENOENT) {
            // Kernels before 5.6 have no batches for hash maps (EINVAL); a bucket longer than a
            // batch is ENOSPC. Either way the walk by key sees every entry; any already seen
            // come twice, which the repeat ledger counts once.
            walk_flow_counters(visit);
            return;
        }
        for (std::uint32_t i = 0; i < count; ++i)
            if (values[i].repeats > 0) visit({keys[i], values[i].repeats});
        if (err == -ENOENT) return;  // that was the last
        from = next;
    }
}

void Tracer::walk_flow_counters(const FlowVisitor& visit) const {
    int fd = bpf_map__fd(skel_->maps.flow_dedup);
    ew_flow_key key{}, next{};
    ew_flow_key* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        ew_flow_value value{};
        if (bpf_map_lookup_elem(fd, &next, &value) == 0 && value.repeats > 0) visit({next, value.repeats});
        key = next;
        prev = &key;
    }
}

std::uint64_t Tracer::tls_threads_active() const { return skel_->bss->tls_threads_active; }

std::size_t Tracer::pending_owner_count() const {
    const bpf_map* map = skel_->maps.pending_owners;
    int fd = bpf_map__fd(map);
    // Each slot starts with its socket's cookie, 0 when free.
    std::vector<std::uint64_t> value((bpf_map__value_size(map) + 7) / 8);
    std::size_t count = 0;
    for (std::uint32_t slot = 0; slot < bpf_map__max_entries(map); ++slot)
        if (bpf_map_lookup_elem(fd, &slot, value.data()) == 0 && value[0] != 0) ++count;
    return count;
}

}  // namespace egresswatch
