#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM (started by init.c, chrooted in the read-only host
# root, fd 3 = result serial port ttyS1).  For each unit test program and
# each line of vm-tests.list it runs the command from the repo root, copies
# its output to the console and to ttyS1 between TOTEM-VM-TEST/TOTEM-VM-END
# markers, and checks the kernel log and taint flags it left behind.  Exit 0 only if every test passed or skipped.
# The protocol is parsed by tests/qemu/vm.t; see docs/vm.md.

. /run/vm/vm.conf
export TOTEM_SRC TOTEM_BUILD TOTEM_KVER TOTEM_KO

# Kernel log lines that fail a test whatever its exit status.
BAD_LOG='WARNING:|BUG:|Oops|general protection fault|kernel BUG|Call Trace:|UBSAN:|KASAN:'
BAD_LOG+='|refcount_t:|list_(add|del) corruption|INFO: task .* blocked|stack-protector'
# Taint bits that mean the kernel misbehaved: B bad page (5), D died (7),
# W warning (9), L soft lockup (14).
BAD_TAINT=$(((1 << 5) | (1 << 7) | (1 << 9) | (1 << 14)))

res() {
	printf '%s\n' "$*" >&3
}

failed=0
ran=0
res "TOTEM-VM-BEGIN $TOTEM_KVER"
if [ "$(uname -r)" != "$TOTEM_KVER" ]; then
	res "TOTEM-VM-ERROR uname -r is $(uname -r), expected $TOTEM_KVER"
	failed=1
fi
cd "$TOTEM_SRC" || { res "TOTEM-VM-ERROR no $TOTEM_SRC in the VM"; exit 1; }

# Every unit test (tests/unit/NAME.c -> $TOTEM_BUILD/tests/NAME), then the list.
queue() {
	local c

	if [ "$VM_UNIT_TESTS" = 1 ]; then
		for c in tests/unit/*.c; do
			[ -e "$c" ] || continue
			c=${c##*/}
			printf '%s\t"$TOTEM_BUILD"/tests/%s\n' "${c%.c}" "${c%.c}"
		done
	fi
	cat /run/vm/vm-tests.list
}

while read -r name cmd; do
	case $name in '' | '#'*) continue ;; esac
	# "?NAME": skipped, not failed, while its program is not built yet.
	if [ "${name#\?}" != "$name" ]; then
		name=${name#\?}
		read -r prog _ <<<"$cmd"
		eval "prog=$prog"
		if [ "${prog#*/}" != "$prog" ] && [ ! -x "$prog" ]; then
			res "TOTEM-VM-SKIP $name not built: $prog"
			continue
		fi
	fi

	ran=$((ran + 1))
	dmesg -C
	taint0=$(cat /proc/sys/kernel/tainted)
	res "TOTEM-VM-TEST $name"
	echo "=== $name: $cmd"
	timeout -k 10 "$VM_TEST_TIMEOUT" bash -c "$cmd" </dev/null 3>&- 2>&1 | tee /proc/self/fd/3
	rc=${PIPESTATUS[0]}

	kernel=clean
	bad=$(dmesg | grep -E "$BAD_LOG")
	if [ -n "$bad" ]; then
		kernel=dirty
		printf '%s\n' "$bad" | head -n 40 | sed 's/^/# dmesg: /' >&3
	fi
	taint1=$(cat /proc/sys/kernel/tainted)
	newtaint=$(((taint1 & ~taint0) & BAD_TAINT))
	if [ $newtaint != 0 ]; then
		kernel=dirty
		res "# new taint flags: $taint0 -> $taint1"
	fi
	res "TOTEM-VM-END $name rc=$rc kernel=$kernel"
	echo "=== $name: exit $rc, kernel log $kernel"
	if { [ "$rc" != 0 ] && [ "$rc" != 4 ]; } || [ $kernel != clean ]; then
		failed=1
	fi
done < <(queue)

# vm.t fails a kernel whose suite ran nothing or did not get here.
res "TOTEM-VM-DONE $ran"
[ $ran -gt 0 ] || failed=1
exit $failed
