#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family, from a C client (tests/kmod/genl.c: config,
# EPERM, EINVAL + extack, stats, lookup, dump filters, netns isolation,
# events).  TAP from the kselftest harness.
# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/lib.sh"
need_module
bin=$BUILD/tests/kmod/genl
need_exec "$bin"

load || { echo "1..1"; tap 1 "insmod totem.ko"; exit 1; }
"$bin"
rc=$?
unload || rc=1
exit $rc
