# SPDX-License-Identifier: GPL-2.0
# Shared by the tests/kmod/*.sh scripts (sourced).  They run as root in the
# test VM (docs/vm.md) with TOTEM_KO, TOTEM_BUILD and TOTEM_SRC set.

KO=${TOTEM_KO:-}
BUILD=${TOTEM_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
n=0
failed=0

ok() {
	local rc=$1
	shift
	n=$((n + 1))
	if [ "$rc" = 0 ]; then
		echo "ok $n - $*"
	else
		echo "not ok $n - $*"
		failed=$((failed + 1))
	fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

need_module() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
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

# Wait up to $1 tenths of a second for "$2..." to succeed.
poll() {
	local tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

finish() {
	[ "$failed" = 0 ]
	exit $?
}
