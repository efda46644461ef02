/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every kscope gadget shares on the kernel side:
 *  - `events`: the ring buffer, sized by user space before load;
 *  - `gadget_lost`: a per-CPU counter of events that could not be delivered (ring full, table full);
 *  - the mount-namespace filter: when `gadget_filter_by_mntns` is set, `gadget_mntns_filter` decides per mntns id
 *    (1: trace, 0: drop). A namespace not in the map yet (a container that just started) is dropped, or, with
 *    `gadget_filter_pass_unknown`, passed up once so user space can classify it and write the verdict: the
 *    first exec of a new container is never missed, and known-but-unwanted namespaces cost one map lookup;
 *  - gadget_output(): submits a record, waking the reader only once the ring holds `gadget_wakeup_bytes`,
 *    so a storm costs one wake-up per batch instead of one per event (the reader also polls on a timer).
 */
#ifndef KSCOPE_GADGET_H
#define KSCOPE_GADGET_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

const volatile bool gadget_filter_by_mntns = false;
const volatile bool gadget_filter_pass_unknown = false;
const volatile __u64 gadget_wakeup_bytes = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} gadget_lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} gadget_mntns_filter SEC(".maps");

static __always_inline __u64 gadget_current_mntns_id(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

static __always_inline bool gadget_should_discard_mntns_id(__u64 mntns_id)
{
	if (!gadget_filter_by_mntns)
		return false;
	__u32 *verdict = bpf_map_lookup_elem(&gadget_mntns_filter, &mntns_id);
	return verdict ? *verdict == 0 : !gadget_filter_pass_unknown;
}

static __always_inline void gadget_count_lost(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&gadget_lost, &zero);
	if (lost)
		(*lost)++;
}

static __always_inline int gadget_output(void *data, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= gadget_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	long err = bpf_ringbuf_output(&events, data, size, flags);
	if (err)
		gadget_count_lost();
	return err;
}

#endif
