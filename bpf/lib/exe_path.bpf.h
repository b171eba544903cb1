/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The file an exec really runs, as a path from the process's own root. execve's filename is
 * not always it: busybox and runc re-execute themselves through /proc/self/exe, fexecve passes
 * /dev/fd/N, and a process in a container sees its files below the container's root. Read at
 * the exec, in the kernel, because a short-lived process (a busybox wget) is gone before
 * userspace could read /proc/PID/exe.
 *
 * bpf_d_path is not allowed in a tracepoint, so the path is built here by walking the
 * file's dentries up, crossing mounts, until the process's root (for a container, its root
 * inside the container). A file not below that root (a memfd) gets no path. Names are written backwards, right to
 * left, into a per-CPU scratch buffer twice the path's size, so that every write stays in
 * bounds the verifier can see. Bounded: EW_EXE_PATH_DEPTH components, else no path.
 */
#ifndef EGRESSWATCH_EXE_PATH_BPF_H
#define EGRESSWATCH_EXE_PATH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "egresswatch/abi.h"

#define EW_EXE_PATH_DEPTH 32

struct exe_path_scratch {
	char buf[EW_FILENAME_LEN * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exe_path_scratch);
} exe_path_scratch SEC(".maps");

static __always_inline struct mount *real_mount_of(struct vfsmount *vfsmnt)
{
	return (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

/* Writes into out (EW_FILENAME_LEN bytes, NUL-terminated) the path of `file` seen from
 * `task`'s root. Returns false, with out empty, if it is longer or deeper than the bounds. */
static __always_inline bool read_exe_path(struct task_struct *task, struct file *file, char *out)
{
	struct dentry *root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
	struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = real_mount_of(vfsmnt);
	struct exe_path_scratch *scratch;
	__u32 zero = 0, pos = EW_FILENAME_LEN, len;
	bool done = false;

	out[0] = '\0';
	scratch = bpf_map_lookup_elem(&exe_path_scratch, &zero);
	if (!scratch)
		return false;
	for (int i = 0; i < EW_EXE_PATH_DEPTH; i++) {
		struct dentry *parent, *mnt_root;
		const unsigned char *name;

		if (dentry == root_dentry && vfsmnt == root_mnt) {
			done = true;
			break;
		}
		mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		parent = BPF_CORE_READ(dentry, d_parent);
		if (dentry == mnt_root || dentry == parent) {
			struct mount *mnt_parent = BPF_CORE_READ(mnt, mnt_parent);

			/* The top of a mount tree without meeting the process's root: the file is
			 * not reachable from it (a memfd, as runc executes a copy of itself from,
			 * or a file on a detached mount), and has no path to give. */
			if (mnt_parent == mnt)
				return false;
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = (struct vfsmount *)((void *)mnt + bpf_core_field_offset(struct mount, mnt));
			continue;
		}
		name = BPF_CORE_READ(dentry, d_name.name);
		len = BPF_CORE_READ(dentry, d_name.len);
		if (len + 1 > pos)
			return false;
		pos -= len;
		/* pos < EW_FILENAME_LEN and len < EW_FILENAME_LEN: inside the doubled buffer. */
		if (bpf_probe_read_kernel(&scratch->buf[pos & (EW_FILENAME_LEN - 1)],
					  len & (EW_FILENAME_LEN - 1), name))
			return false;
		pos -= 1;
		scratch->buf[pos & (EW_FILENAME_LEN - 1)] = '/';
		dentry = parent;
	}
	if (!done)
		return false;
	len = EW_FILENAME_LEN - pos;
	if (len == 0) { /* the root itself */
		out[0] = '/';
		out[1] = '\0';
		return true;
	}
	if (len >= EW_FILENAME_LEN)
		return false;
	if (bpf_probe_read_kernel(out, len & (EW_FILENAME_LEN - 1),
				  &scratch->buf[pos & (EW_FILENAME_LEN - 1)]))
		return false;
	out[len & (EW_FILENAME_LEN - 1)] = '\0';
	return true;
}

#endif
