#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the BPF programs' own option parser and builder (bpf/parse.bpf.h,
# bpf/build.bpf.h) give the same answers as kmod/codec.c on every codec
# vector and on random inputs (tests/e2e/bpf_codec.c runs them as
# BPF_PROG_TYPE_SYSCALL programs).  Needs root; skips otherwise.
SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${TOTEM_BUILD:-$SRC/build}
BIN=$OUT/tests/e2e/bpf_codec

if [ ! -x "$BIN" ]; then
	echo "1..0 # SKIP $BIN not built (make tests)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to load BPF programs"
	exit 0
fi
exec "$BIN"
