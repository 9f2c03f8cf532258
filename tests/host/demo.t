#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the demo application's topology has exactly the expected edges and
# counts.  Runs scripts/demo.sh --check (three namespaces, totemd with the
# best backend for this kernel, 40 short client connections plus 3 held
# ones, one long-lived web -> db connection) and checks its verdict and
# that it left no namespace behind.  Needs root (network namespaces).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_root "network namespaces"
need_exec "$OUT/totem" "$OUT/totemd" "$OUT/demo/tier" "$OUT/demo/demo-client"
if ! ip netns add "totem-demo-probe-$$" 2>/dev/null; then
	skip_all "cannot create network namespaces here"
fi
ip netns del "totem-demo-probe-$$"

echo "1..3"
tmpdir demo-t

DEMO_QUIET=1 TOTEM_BUILD=$OUT timeout 300 "$SRC/scripts/demo.sh" --check \
	>"$TMP/out" 2>&1
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$TMP/out" | tail -40
tap $rc "demo ran and its topology is exactly the expected one (rc $rc)"
grep -q '^  got .* -> .*: 43 connections, 3 open, port 8080' "$TMP/out" &&
	grep -q '^  got .* -> .*: 1 connections, 1 open, port 5432' "$TMP/out"
s=$?
[ $s = 0 ] || grep '^  \(got\|want\)' "$TMP/out" | sed 's/^/# /'
tap $s "client -> web 43 connections (3 open), web -> db 1 (open)"
left=$(ip netns list | grep -c '^totem-demo-')
is "$left" 0 "no demo namespace left behind"
[ "$failed" = 0 ]
