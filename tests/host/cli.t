#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the command-line contract of totem and totemd, on the proc backend
# (TOTEM_BACKEND=proc / --backend proc), so it runs wherever /proc does:
#   --help to stdout exit 0, usage errors exit 2 with usage on stderr,
#   runtime failures exit 1 naming the object, JSON errors in -j mode;
#   status/stats/config output; totemd config errors with FILE:LINE,
#   SIGHUP reload, SIGTERM clean exit, the status file and events socket.
# No root needed; totemd's run directory is a private TOTEM_RUNDIR.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_exec "$TOTEM" "$TOTEMD"

tmpdir cli
export TOTEM_RUNDIR=$TMP/run
export TOTEM_BACKEND=proc

# run CMD...: sets rc, out (stdout), err (stderr)
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# expect_rc WANT DESCRIPTION
expect_rc() {
	[ "$rc" = "$1" ]
	local s=$?
	[ $s = 0 ] || echo "# rc=$rc, want $1; stdout: $out; stderr: $err"
	tap $s "$2"
}

# json_check PYTHON-EXPRESSION-ON-d DESCRIPTION (d = parsed $out)
json_check() {
	printf '%s' "$out" | "$PY" -c "import json,sys
d = json.load(sys.stdin)
sys.exit(0 if ($1) else 1)" 2>"$TMP/pyerr"
	local s=$?
	[ $s = 0 ] || echo "# json check failed: $1; output: $out $(cat "$TMP/pyerr")"
	tap $s "$2"
}

# ---- totem: help, version, usage errors ----
run "$TOTEM" --help
[ "$rc" = 0 ] && [[ "$out" == Usage:* ]] && [ -z "$err" ]
tap $? "totem --help: usage on stdout, nothing on stderr, exit 0"

run "$TOTEM" -V
[ "$rc" = 0 ] && [[ "$out" == "totem "* ]]
tap $? "totem -V prints the version, exit 0"

run "$TOTEM" sockets --help
[ "$rc" = 0 ] && [[ "$out" == Usage:* ]]
tap $? "totem sockets --help: exit 0"

for args in "" "bogus" "-x sockets" "--backend" "--backend nope sockets" \
	"sockets --pid" "sockets --pid x" "sockets --port 65536" "sockets extra" \
	"lookup" "lookup 1.2.3.4:1" "lookup 1.2.3.4 5.6.7.8:1" \
	"lookup 1.2.3.4:1 [::1]:1" "lookup 1.2.3.4:1 5.6.7.8:1 x" \
	"status extra" "stats extra" "config nosuchkey" "config enable bogus" \
	"config sample_bytes -1" "config enable syn extra"; do
	# shellcheck disable=SC2086
	run "$TOTEM" $args
	[ "$rc" = 2 ] && [ -z "$out" ] && [[ "$err" == *Usage:* ]]
	s=$?
	[ $s = 0 ] || echo "# rc=$rc stdout=$out stderr=$err"
	tap $s "totem $args: usage error, exit 2, usage on stderr"
done

run "$TOTEM" -j bogus
[ "$rc" = 2 ]
tap $? "totem -j bogus: exit 2"
json_check "d == {'error': \"unknown command 'bogus'\"}" "totem -j bogus: the error is JSON on stdout"

run "$TOTEM" config nosuchkey
[[ "$err" == *"unknown key 'nosuchkey'"* ]]
tap $? "config nosuchkey names the key"

run "$TOTEM" lookup 1.2.3.4:1 '[::1]:1'
[[ "$err" == *"not the same address family"* ]]
tap $? "lookup with mixed families says so"

# ---- runtime failures: exit 1, message names the object ----
run "$TOTEM" lookup 192.0.2.1:1 192.0.2.2:2
expect_rc 1 "lookup of a socket that does not exist: exit 1"
[[ "$err" == *"lookup 192.0.2.1:1 192.0.2.2:2: not found"* ]] && [ -z "$out" ]
tap $? "... and says which socket was not found"

run "$TOTEM" -j lookup 192.0.2.1:1 192.0.2.2:2
expect_rc 1 "-j lookup not found: exit 1"
json_check "d['error'] == 'lookup 192.0.2.1:1 192.0.2.2:2: not found'" \
	"-j lookup not found: JSON error on stdout"

run "$TOTEM" config
expect_rc 1 "config on the proc backend: exit 1"
[[ "$err" == *"proc backend has no config"* ]]
tap $? "... saying the proc backend has no config"

run "$TOTEM" config enable syn
expect_rc 1 "config set on the proc backend: exit 1"

if [ ! -d /sys/module/totem ]; then
	run "$TOTEM" -b kmod sockets
	[ "$rc" = 1 ] && [[ "$err" == *"open kmod backend: "*"module not loaded?"* ]]
	tap $? "-b kmod without the module: exit 1 naming the kmod backend"
else
	tap 0 "# SKIP the totem module is loaded"
fi

# ---- status, stats ----
run "$TOTEM" -j status
expect_rc 0 "-j status: exit 0"
json_check "d['backend'] == 'proc' and d['kernel'] == '$(uname -r)' and d['daemon'] is None" \
	"-j status: backend proc, kernel is uname -r, no daemon"
json_check "d['reason'] == 'forced by \$TOTEM_BACKEND'" "-j status: says the backend was forced"

run "$TOTEM" status
[ "$rc" = 0 ] && [[ "$out" == *"backend  proc"* ]] && [[ "$out" == *"kernel   $(uname -r)"* ]]
tap $? "status (text): backend and kernel"

# Counter names straight from the X-macro in the uapi header.
names=$(sed -n 's/^[[:space:]]*X([A-Z0-9_]*, "\([a-z0-9_]*\)".*/\1/p' "$SRC/kmod/uapi/totem.h" | tr '\n' ' ')
[ -n "$names" ]
tap $? "counter names read from kmod/uapi/totem.h ($names)"
run "$TOTEM" -j stats
expect_rc 0 "-j stats: exit 0"
json_check "sorted(d) == sorted('$names'.split()) and all(v == 0 for v in d.values())" \
	"-j stats: exactly the header's counters, all zero on the proc backend"
run "$TOTEM" stats
[ "$rc" = 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = "$(echo $names | wc -w)" ] &&
	! printf '%s\n' "$out" | awk 'length > 80 { bad = 1 } END { exit !bad }'
tap $? "stats (text): one line per counter, none over 80 columns"

run "$TOTEM" -j sockets
expect_rc 0 "-j sockets: exit 0"
json_check "isinstance(d, list)" "-j sockets: a JSON array"
run "$TOTEM" -p sockets
json_check "isinstance(d, list)" "-p sockets: indented JSON parses too"
run "$TOTEM" sockets
[ "$rc" = 0 ] && [[ "$(printf '%s\n' "$out" | head -n 1)" == "State"*"Local"*"Remote"*"Process"*"Peer" ]] &&
	[ "$(printf '%s\n' "$out" | head -n 1 | wc -L)" -le 80 ]
tap $? "sockets (text): header within 80 columns"

run "$TOTEM" monitor
expect_rc 1 "monitor without totemd: exit 1"
[[ "$err" == *"$TOTEM_RUNDIR/events.sock"* ]]
tap $? "... naming the events socket"

# ---- totemd: usage and config errors ----
run "$TOTEMD" --help
[ "$rc" = 0 ] && [[ "$out" == Usage:* ]]
tap $? "totemd --help: stdout, exit 0"
run "$TOTEMD" --bogus
[ "$rc" = 2 ] && [[ "$err" == *Usage:* ]]
tap $? "totemd --bogus: exit 2, usage on stderr"
run "$TOTEMD" --backend nope
expect_rc 2 "totemd --backend nope: exit 2"

conf=$TMP/totemd.conf
check_conf() { # CONTENT WANT-RC WANT-STDERR DESCRIPTION
	printf "$1" >"$conf"
	run "$TOTEMD" --test-config --config "$conf"
	[ "$rc" = "$2" ] && [[ "$err" == *"$3"* ]]
	local s=$?
	[ $s = 0 ] || echo "# rc=$rc stderr=$err"
	tap $s "$4"
}
check_conf 'enable = syn\n# comment\n\nsample_bytes = 0x100 # trailing\nhost_id=42\nformat4 = v2\nformat6 = v2\nparse = off\nbackend = proc\ncgroup = /sys/fs/cgroup\n' \
	0 "" "a valid config with every key passes --test-config"
check_conf 'enable = syn\n\nformat4 = v3\n' 2 "$conf:3: invalid value 'v3' for format4" \
	"bad value: exit 2 with FILE:LINE"
check_conf '# x\nfoo = 1\n' 2 "$conf:2: unknown key 'foo'" "unknown key: exit 2 with FILE:LINE"
check_conf 'enable\n' 2 "$conf:1: expected 'key = value'" "line without '=': exit 2 with FILE:LINE"
check_conf 'enable =\n' 2 "$conf:1: expected 'key = value'" "empty value: exit 2 with FILE:LINE"
check_conf 'backend = ebpf\n' 2 "$conf:1: invalid value 'ebpf' for backend" "bad backend in the file"
check_conf 'cgroup = relative\n' 2 "$conf:1: invalid value 'relative' for cgroup" "relative cgroup path"
run "$TOTEMD" --test-config --config "$TMP/missing.conf"
[ "$rc" = 1 ] && [[ "$err" == *"$TMP/missing.conf: No such file or directory"* ]]
tap $? "a missing --config file: exit 1 naming it"
run "$TOTEMD" -t --config "$SRC/docs/totemd.conf.example"
expect_rc 0 "docs/totemd.conf.example is a valid config"

# A forced backend that cannot run fails and names what is missing.
if [ ! -d /sys/module/totem ] && ! modprobe -n -q totem 2>/dev/null; then
	printf '' >"$conf"
	run "$TOTEMD" -f --backend kmod --config "$conf"
	[ "$rc" = 1 ] && [[ "$err" == *"backend kmod unavailable: module totem"* ]]
	tap $? "totemd --backend kmod without the module: exit 1, says the module is missing"
else
	tap 0 "# SKIP the totem module is available here"
fi

# ---- totemd lifecycle on the proc backend ----
printf 'enable = syn\n' >"$conf"
"$TOTEMD" -f --backend proc --config "$conf" 2>"$TMP/d.log" &
DPID=$!
DAEMONS=$DPID
poll 600 test -S "$TOTEM_RUNDIR/events.sock" && poll 600 test -f "$TOTEM_RUNDIR/status"
tap $? "totemd -f --backend proc starts and writes its status file"
run "$TOTEM" -j status
json_check "d['daemon']['pid'] == $DPID and d['daemon']['backend'] == 'proc' and d['daemon']['reason'].startswith('forced') and d['daemon']['config'] == '$conf'" \
	"totem status reports totemd's pid, backend, reason and config file"
grep -q '^totemd: backend proc (forced: ' "$TMP/d.log"
tap $? "totemd logs one line with the backend and why"
grep -q 'config: enable=syn ' "$TMP/d.log"
tap $? "totemd logs the config it applied"

# a subscriber connected before shutdown sees EOF when totemd stops
"$TOTEM" monitor >"$TMP/mon.out" 2>"$TMP/mon.err" &
MPID=$!

printf 'enable = syn,data\nsample_bytes = 0\n' >"$conf"
kill -HUP $DPID
poll 600 grep -q 'config: enable=syn,data sample_bytes=0 ' "$TMP/d.log"
tap $? "SIGHUP re-reads the file and applies it"
printf 'enable = syn\nformat4 = v9\n' >"$conf"
kill -HUP $DPID
poll 600 grep -q "reload: $conf:2: invalid value 'v9' for format4; keeping the running config" "$TMP/d.log"
tap $? "SIGHUP with a bad file: FILE:LINE logged, running config kept"
kill -0 $DPID
tap $? "totemd still runs after a bad reload"

kill -TERM $DPID
wait $DPID
drc=$?
DAEMONS=
[ "$drc" = 0 ]
tap $? "SIGTERM: totemd exits 0"
[ ! -e "$TOTEM_RUNDIR/status" ] && [ ! -e "$TOTEM_RUNDIR/events.sock" ]
tap $? "SIGTERM: status file and events socket removed"
poll 600 sh -c "! kill -0 $MPID 2>/dev/null"
s=$?
wait $MPID
mrc=$?
[ $s = 0 ] && [ "$mrc" = 0 ]
tap $? "totem monitor ends with exit 0 when totemd stops"

printf 'enable = none\n' >"$conf"
"$TOTEMD" -f --backend proc --config "$conf" 2>"$TMP/d2.log" &
DPID=$!
DAEMONS=$DPID
poll 600 test -f "$TOTEM_RUNDIR/status"
kill -INT $DPID
wait $DPID
drc=$?
DAEMONS=
[ "$drc" = 0 ] && [ ! -e "$TOTEM_RUNDIR/status" ]
tap $? "SIGINT: totemd exits 0 and cleans up"

done_testing
