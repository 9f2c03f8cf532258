// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's calibration injector (bench.py variant "nop"): a sockops
 * program that asks for the same callbacks totem's does (header option
 * length/write on every segment, unknown-option parsing, state changes) and
 * does nothing in them.  Its run time per call is what the kernel's
 * dispatch and the run-time accounting cost on this machine: the floor
 * under totem's own ns/call.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("sockops")
int nop_sockops(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						 BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG |
						 BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG |
						 BPF_SOCK_OPS_STATE_CB_FLAG);
		break;
	}
	return 1;
}
