#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family, from a C client (tests/kmod/genl.c: config,
# EPERM, EINVAL + extack, stats, lookup, dump filters, netns isolation,
# events).  TAP from the kselftest harness.
. "$(dirname "$0")/lib.sh"
need_module
bin=$BUILD/tests/kmod/genl
[ -x "$bin" ] || skip_all "$bin not built (make tests)"

load || { echo "1..1"; echo "not ok 1 - insmod totem.ko"; exit 1; }
"$bin"
rc=$?
unload || rc=1
exit $rc
