#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# totem.ko loads and unloads cleanly, twice (a second load catches anything
# the first unload left registered).  TAP; run in the test VM by vm-suite.sh,
# which also fails the test on WARNING/BUG/Oops in the kernel log.

# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/../kmod/lib.sh"
ko=$KO
need_module

echo "1..9"
vermagic=$(modinfo -F vermagic "$ko")
[ "${vermagic%% *}" = "$(uname -r)" ]
ok $? "vermagic '${vermagic%% *}' matches the running kernel $(uname -r)"

if loaded; then
	echo "# totem was already loaded; unloading first"
	rmmod totem
fi
for round in 1 2; do
	insmod "$ko"
	ok $? "round $round: insmod totem.ko"
	loaded && [ "$(cat /sys/module/totem/initstate 2>/dev/null)" = live ]
	ok $? "round $round: totem is live in /proc/modules and /sys/module"
	[ "$(awk '$1 == "totem" { print $3 }' /proc/modules)" = 0 ]
	ok $? "round $round: nothing holds a reference after load"
	rmmod totem
	rc=$?
	loaded && rc=1
	ok $rc "round $round: rmmod totem and it is gone"
done

finish
