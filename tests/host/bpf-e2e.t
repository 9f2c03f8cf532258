#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the eBPF path end to end, on the host and in the QEMU guests:
# tests/e2e/e2e.sh with the bpf backend (the module path runs the same body
# through tests/kmod/e2e.sh).  Takes /run/lock/totem-bpf-test.lock, as the
# harden-*.t tests do: one totemd --backend bpf per host.
exec "$(dirname "$0")/../e2e/e2e.sh" bpf
