#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: loss, reordering and duplication, eBPF path: tests/e2e/harden-loss.sh
# with the bpf backend (the module path runs the same body in the QEMU
# guests: tests/qemu/vm-tests.list).  Takes /run/lock/totem-bpf-test.lock:
# one totemd --backend bpf per host.
exec "$(dirname "$0")/../e2e/harden-loss.sh" bpf
