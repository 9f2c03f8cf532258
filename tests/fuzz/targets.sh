# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by run.sh and smoke.t: what each libFuzzer target is run with.

# fuzz_flags NAME SRC: the libFuzzer flags of target NAME (SRC: the tree).
fuzz_flags()
{
	local dict=$2/tests/fuzz/$1.dict

	case $1 in
	codec) echo -max_len=128 ;;		# a TCP option area is 40 bytes
	genl|sock_diag) echo -max_len=4096 ;;	# several messages of a dump
	conf) echo -max_len=8192 ;;		# past the 4096-byte line limit
	args) echo -max_len=256 ;;
	event) echo -max_len=2048 ;;
	*) echo -max_len=4096 ;;
	esac
	# a hang is a failure too
	echo -timeout=25
	[ -f "$dict" ] && echo "-dict=$dict"
	return 0
}
