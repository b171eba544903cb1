// Attaches empty_hooks.bpf.c where `egresswatch watch` attaches its programs (the root
// cgroup, the same tracepoints, ld.so's _dl_debug_state) and waits for SIGINT or SIGTERM.
// Usage: hook_floor CGROUP2_DIR LD_SO_PATH [PROGRAM...]
// With PROGRAM names, only those are attached: which hook costs what.
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "empty_hooks.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool named(const char *name, int count, char **names)
{
	for (int i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: hook_floor CGROUP2_DIR LD_SO_PATH [PROGRAM...]\n");
		return 2;
	}
	int cgroup_fd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (cgroup_fd < 0) {
		fprintf(stderr, "hook_floor: cannot open cgroup %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct empty_hooks_bpf *skel = empty_hooks_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "hook_floor: loading the empty programs failed: %s (run as root)\n",
			strerror(errno));
		return 1;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, skel->obj)
	{
		enum bpf_attach_type type = bpf_program__expected_attach_type(prog);
		struct bpf_link *link;

		if (argc > 3 && !named(bpf_program__name(prog), argc - 3, argv + 3))
			continue;

		if (bpf_program__type(prog) == BPF_PROG_TYPE_KPROBE) {
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "_dl_debug_state");
			link = bpf_program__attach_uprobe_opts(prog, -1, argv[2], 0, &opts);
		} else if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING) {
			link = bpf_program__attach(prog);
		} else {
			link = bpf_program__attach_cgroup(prog, cgroup_fd);
		}
		if (!link) {
			fprintf(stderr, "hook_floor: attaching %s (attach type %d) failed: %s\n",
				bpf_program__name(prog), type, strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop)
		pause();
	/* Links and programs go with the process. */
	return 0;
}
