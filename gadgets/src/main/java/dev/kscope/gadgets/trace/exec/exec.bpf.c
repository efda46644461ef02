// SPDX-License-Identifier: Apache-2.0
/*
 * trace exec: every execve/execveat, successful or failed, from syscall tracepoints.
 *
 * The enter tracepoint only remembers the caller's argv pointer (a 16-byte entry keyed by tgid); all the work
 * happens once, at exit, when the result is known:
 *  - success: the new image's argv lies contiguous in the new mm (arg_start..arg_end): one read;
 *  - failure: the caller's argv is still mapped: read it string by string.
 * The event is built in a per-CPU scratch slot and copied to the ring at its real size.
 */
#include "kscope/gadget.h"
#include "exec.h"

struct exec_start {
	const char *const *argv;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_start);
} execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event);
} scratch SEC(".maps");

static __always_inline int enter(const char *const *argv)
{
	if (gadget_should_discard_mntns_id(gadget_current_mntns_id()))
		return 0;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct exec_start start = { .argv = argv };
	if (bpf_map_update_elem(&execs, &tgid, &start, BPF_ANY))
		gadget_count_lost();
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *const *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *const *)ctx->args[2]);
}

static __always_inline void read_new_argv(struct event *e, struct task_struct *task)
{
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	unsigned long len = end - start;
	if (end <= start)
		return;
	if (len > ARGS_MAX) {
		len = ARGS_MAX;
		e->args_truncated = 1;
	}
	if (bpf_probe_read_user(e->args, len, (void *)start))
		return;
	e->args_size = len;
}

static __always_inline void read_caller_argv(struct event *e, const char *const *argv)
{
	for (int i = 0; i < ARGS_MAX_COUNT; i++) {
		const char *arg = NULL;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			return;
		if (e->args_size > ARGS_MAX - ARG_MAX_LEN) {
			e->args_truncated = 1;
			return;
		}
		long n = bpf_probe_read_user_str(&e->args[e->args_size], ARG_MAX_LEN, arg);
		if (n <= 0)
			return;
		if (n == ARG_MAX_LEN)
			e->args_truncated = 1;
		e->args_size += n;
	}
	const char *more = NULL;
	if (!bpf_probe_read_user(&more, sizeof(more), &argv[ARGS_MAX_COUNT]) && more)
		e->args_truncated = 1;
}

static __always_inline int exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct exec_start *start = bpf_map_lookup_elem(&execs, &tgid);
	if (!start)
		return 0;
	const char *const *argv = start->argv;
	bpf_map_delete_elem(&execs, &tgid);

	__u32 zero = 0;
	struct event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 uid_gid = bpf_get_current_uid_gid();
	e->timestamp = bpf_ktime_get_boot_ns();
	e->mntns_id = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = tgid;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->retval = ctx->ret;
	e->args_count = 0;
	e->args_size = 0;
	e->args_truncated = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	if (ctx->ret == 0)
		read_new_argv(e, task);
	else
		read_caller_argv(e, argv);

	__u64 size = __builtin_offsetof(struct event, args) + e->args_size;
	if (size > sizeof(*e))
		size = sizeof(*e);
	gadget_output(e, size);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return exit(ctx);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return exit(ctx);
}

char LICENSE[] SEC("license") = "GPL";
