/* SPDX-License-Identifier: Apache-2.0 */
/* The contract between exec.bpf.c and TraceExec.java: user space reads this layout from the object's BTF. */
#ifndef KSCOPE_TRACE_EXEC_H
#define KSCOPE_TRACE_EXEC_H

/* argv captured per exec: at most ARGS_MAX bytes in all (NUL-separated), and on a failed exec, where argv is
 * read string by string from the caller, at most ARG_MAX_LEN bytes per argument and ARGS_MAX_COUNT arguments.
 * Past that, args_truncated is set and the ARGS column ends with "…". */
#define ARGS_MAX 8192
#define ARG_MAX_LEN 1024
#define ARGS_MAX_COUNT 128

struct event {
	__u64 timestamp; /* CLOCK_BOOTTIME ns */
	__u64 mntns_id;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__s32 retval;
	__u32 args_count;
	__u32 args_size;
	__u8 args_truncated;
	char comm[16];
	char args[ARGS_MAX];
};

#endif
