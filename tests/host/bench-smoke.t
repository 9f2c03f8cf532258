#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the benchmark harness (tests/bench/bench.py) works end to end in its
# quick mode: namespaces and veth come up, every workload and variant gives
# a measurement, BPF run time is read when the eBPF path runs, the query
# path finds the socket through libtotem and ss, and nothing is left behind
# (namespaces, cgroup, kernel.bpf_stats_enabled).  It asserts no
# performance figure: that is what `make bench` is for.
# Needs root and iperf3; skips otherwise.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

need_root "network namespaces, cgroups, BPF"
need_exec "$OUT/bench/tcpbench" "$OUT/bench/sockfarm" "$OUT/bench/qlookup"
need_cmd iperf3
tmpdir bench-smoke

# check PYTHON-EXPR DESCRIPTION: d = the results JSON
check() {
	"$PY" -c "import json, sys
d = json.load(open('$TMP/r.json'))
sys.exit(0 if ($1) else 1)" 2>"$TMP/pyerr"
	local s=$?
	[ $s = 0 ] || echo "# failed: $1 $(cat "$TMP/pyerr")"
	tap $s "$2"
}

ns_before=$(ip netns list | grep -c '^tbench-')
cg_before=$(ls -d /sys/fs/cgroup/unified/totem-bench-* /sys/fs/cgroup/totem-bench-* \
	2>/dev/null | wc -l)
stats_before=$(cat /proc/sys/kernel/bpf_stats_enabled)

TOTEM_SRC=$SRC TOTEM_BUILD=$OUT "$PY" "$SRC/tests/bench/bench.py" --quick \
	--workloads crr4,rr6,bulk4r --variants auto --foreign-wait 0 --json "$TMP/r.json" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
[ $rc = 0 ] || sed 's/^/# /' "$TMP/err" | tail -20
tap $rc "bench.py --quick exits 0"
grep -q '^| Area | Case | Variant' "$TMP/out"
tap $? "it prints the results table"

if [ $rc != 0 ]; then
	for i in 3 4 5 6 7; do
		tap 1 "(no results)"
	done
else
	check "all(r['baseline']['median'] > 0 and r['baseline']['rounds'] == 1
		   for r in d['datapath'].values()) and len(d['datapath']) == 3" \
		"each workload measured a positive baseline"
	check "all(v['median'] > 0 and v.get('ratio_median', 1) > 0
		   for r in d['datapath'].values() for v in r.values())" \
		"each variant measured a positive value and a ratio"
	bpf=$("$PY" -c "import json
d = json.load(open('$TMP/r.json'))
print(1 if 'bpf' in d['datapath']['crr4'] else 0)")
	if [ "$bpf" = 1 ]; then
		check "all(p['run_cnt'] > 0 and p['run_time_ns'] > 0
			   for w in d['datapath'].values() for v in ('bpf', 'bpf-all')
			   for n, p in w[v]['bpf']['progs'].items() if 'sockops' in n)" \
			"the sockops program's run time was read in every bpf round"
	else
		tap_skip "eBPF path not running: $(grep -o 'did not run.*' "$TMP/out")"
	fi
	check "all(v['found'] == v['lookups'] > 0 and v['attributed'] == v['found']
		   for s in d['query']['sizes'].values() for b, v in s.items()
		   if b in ('bpf', 'proc'))" \
		"libtotem found and attributed the 4-tuple on every backend"
	check "all(s['ss']['found'] == s['ss']['runs'] and
		   all(v['dump_sockets'] >= 1000 for b, v in s.items() if b in ('bpf', 'proc'))
		   for s in d['query']['sizes'].values())" \
		"ss -tnp found it too, and each dump saw every socket"
fi

[ "$(ip netns list | grep -c '^tbench-')" = "$ns_before" ]
tap $? "no benchmark network namespace left"
[ "$(ls -d /sys/fs/cgroup/unified/totem-bench-* /sys/fs/cgroup/totem-bench-* \
	2>/dev/null | wc -l)" = "$cg_before" ]
tap $? "no benchmark cgroup left"
[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats_before" ]
tap $? "kernel.bpf_stats_enabled restored ($stats_before)"
done_testing
