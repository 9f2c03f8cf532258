# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced first by the scripts that run one body on either path
# (tests/e2e/SCRIPT.sh BACKEND ...): BACKEND (bpf or kmod, the script's
# first argument) picks tests/lib.sh or tests/kmod/lib.sh (which sources
# the former); anything else prints "usage: SCRIPT bpf|kmod $USAGE" and
# exits 2.
BACKEND=${BACKEND:-}
case $BACKEND in
bpf)
	# shellcheck source=tests/lib.sh
	. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
	;;
kmod)
	# shellcheck source=tests/kmod/lib.sh
	. "$(dirname "${BASH_SOURCE[0]}")/../kmod/lib.sh"
	;;
*)
	echo "usage: $0 bpf|kmod${USAGE:+ $USAGE}" >&2
	exit 2
	;;
esac
