#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: sockets older than totemd on the eBPF path get their owners from
# /proc (tests/e2e/older.sh; the VMs run it on both paths).
exec "$(dirname "$0")/../e2e/older.sh" bpf
