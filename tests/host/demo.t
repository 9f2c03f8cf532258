#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the demo application's topology has exactly the expected edges and
# counts.  Runs scripts/demo.sh --check (three namespaces, totemd with the
# best backend for this kernel, 40 short client connections plus 3 held
# ones, one long-lived web -> db connection) and checks its verdict and
# that it left no namespace behind.  Needs root (network namespaces).
set -u

SRC=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${TOTEM_BUILD:-$SRC/build}

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root for network namespaces"
	exit 0
fi
for f in "$OUT/totem" "$OUT/totemd" "$OUT/demo/tier" "$OUT/demo/demo-client"; do
	if [ ! -x "$f" ]; then
		echo "1..0 # SKIP $f not built (make all demo-bins)"
		exit 0
	fi
done
if ! ip netns add "totem-demo-probe-$$" 2>/dev/null; then
	echo "1..0 # SKIP cannot create network namespaces here"
	exit 0
fi
ip netns del "totem-demo-probe-$$"

echo "1..3"
TMP=$(mktemp -d /tmp/totem-demo-t.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

DEMO_QUIET=1 TOTEM_BUILD=$OUT timeout 300 "$SRC/scripts/demo.sh" --check \
	>"$TMP/out" 2>&1
rc=$?
if [ $rc = 0 ]; then
	echo "ok 1 - demo ran and its topology is exactly the expected one"
else
	echo "not ok 1 - demo ran and its topology is exactly the expected one (rc $rc)"
	sed 's/^/# /' "$TMP/out" | tail -40
fi
if grep -q '^  got .* -> .*: 43 connections, 3 open, port 8080' "$TMP/out" &&
   grep -q '^  got .* -> .*: 1 connections, 1 open, port 5432' "$TMP/out"; then
	echo "ok 2 - client -> web 43 connections (3 open), web -> db 1 (open)"
else
	echo "not ok 2 - client -> web 43 connections (3 open), web -> db 1 (open)"
	grep '^  \(got\|want\)' "$TMP/out" | sed 's/^/# /'
fi
left=$(ip netns list | grep -c '^totem-demo-')
if [ "$left" = 0 ]; then
	echo "ok 3 - no demo namespace left behind"
else
	echo "not ok 3 - no demo namespace left behind ($left left)"
fi
