#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the BPF programs' own option parser and builder (bpf/parse.bpf.h,
# bpf/build.bpf.h) give the same answers as kmod/codec.c on every codec
# vector and on random inputs (tests/e2e/bpf_codec.c runs them as
# BPF_PROG_TYPE_SYSCALL programs).  Needs root; skips otherwise.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
BIN=$OUT/tests/e2e/bpf_codec

need_exec "$BIN"
need_root "to load BPF programs"
exec "$BIN"
