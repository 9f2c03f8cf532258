#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the kernel module path end to end (run in the test VMs; the host
# cannot load modules): tests/e2e/e2e.sh with the kmod backend, the same
# body as the eBPF path's tests/host/bpf-e2e.t.
# e2e.sh [1|2]: only the IPv4 process cases (1) or the IPv6, format,
# sampling and enable cases (2); both by default.  The VM suite runs the
# halves as two tests to stay within VM_TEST_TIMEOUT under TCG.
exec "$(dirname "$0")/../e2e/e2e.sh" kmod "${1:-all}"
