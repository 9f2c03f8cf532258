#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh SECONDS TARGET...: `make fuzz`.  Run each libFuzzer target in turn
# for SECONDS, from its committed seeds (read only) and what earlier runs
# found ($TOTEM_BUILD/fuzz/corpus/TARGET, where new inputs go).  The log is
# $TOTEM_BUILD/fuzz/TARGET.log, a crash $TOTEM_BUILD/fuzz/TARGET-crash-*.
# Prints one line per target: seconds, executions, result.  Exits 1 if any
# target failed.
set -u

src=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${TOTEM_BUILD:-$src/build}
. "$src/tests/fuzz/targets.sh"

if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS TARGET..." >&2
	exit 2
fi
time=$1
shift
fail=0
for t in "$@"; do
	bin=$build/tests/fuzz_$t
	out=$build/fuzz
	mkdir -p "$out/corpus/$t"
	start=$(date +%s)
	# shellcheck disable=SC2046 # one flag per word
	"$bin" -max_total_time="$time" -print_final_stats=1 \
		-artifact_prefix="$out/$t-" $(fuzz_flags "$t" "$src") \
		"$out/corpus/$t" "$src/tests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$out/$t.log" | tail -n 1 |
	      grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*')
	if [ $rc -eq 0 ]; then
		result="no crash, no sanitizer report"
	else
		result="FAILED (exit $rc), see $out/$t.log"
		fail=1
	fi
	echo "fuzz_$t: ${secs} s, ${execs:-?} executions, ${cov:-?}: $result"
done
exit $fail
