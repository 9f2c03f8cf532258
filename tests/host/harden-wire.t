#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: hostile input from the wire, eBPF path, IPv4 and IPv6:
# tests/e2e/harden-wire.sh with the bpf backend (the module path runs the
# same body in the QEMU guests: tests/qemu/vm-tests.list).  Takes
# /run/lock/totem-bpf-test.lock: one totemd --backend bpf per host.
exec "$(dirname "$0")/../e2e/harden-wire.sh" bpf
