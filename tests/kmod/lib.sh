# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # variables for the scripts that source this
# Shared by the tests/kmod/*.sh scripts (sourced) on top of tests/lib.sh
# (TAP, skips, poll, cleanup).  They run as root in the test VM
# (docs/vm.md) with TOTEM_KO, TOTEM_BUILD and TOTEM_SRC set.
# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

KO=${TOTEM_KO:-}
BUILD=$OUT
# these scripts count their poll tries in tenths of a second
POLL_INTERVAL=0.1

ok() { # RC DESCRIPTION...
	local rc=$1

	shift
	tap "$rc" "$*"
}

need_module() {
	need_root "modules, network namespaces"
	[ -e /proc/modules ] || skip_all "kernel without module support"
	[ -n "$KO" ] && [ -f "$KO" ] || skip_all "no totem.ko (TOTEM_KO=$KO)"
}

loaded() {
	grep -q '^totem ' /proc/modules
}

# Load totem.ko (with module parameters "$@"), unloading a stale one first.
load() {
	if loaded; then
		rmmod totem || return 1
	fi
	insmod "$KO" "$@"
}

unload() {
	if loaded; then
		rmmod totem
	fi
}

finish() {
	[ "$failed" = 0 ]
	exit $?
}
