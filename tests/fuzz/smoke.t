#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: a bounded run of every libFuzzer target (tests/fuzz/fuzz_*.c) for
# `make check`; `make fuzz` runs them for FUZZ_TIME seconds.  Per target:
# every seed of tests/fuzz/corpus/TARGET replays clean; then mutated inputs,
# FUZZ_SMOKE_RUNS of them or FUZZ_SMOKE_TIME seconds, whichever ends first,
# find nothing.  New inputs go to a temporary directory, never to the
# committed corpus.
set -u

src=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${TOTEM_BUILD:-$src/build}
runs=${FUZZ_SMOKE_RUNS:-1000000}
secs=${FUZZ_SMOKE_TIME:-5}
. "$src/tests/fuzz/targets.sh"

targets=()
for f in "$src"/tests/fuzz/fuzz_*.c; do
	t=${f##*/fuzz_}
	targets+=("${t%.c}")
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0

# Print the tail of a failed run as TAP diagnostics, and the input.
diag()
{
	local a

	tail -n 30 "$1" | sed 's/^/# /'
	for a in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -f "$a" ] || continue
		echo "# input: $(od -An -tx1 -v "$a" | head -c 3000 | tr -d '\n')"
		rm -f "$a"
	done
}

echo "1..$((2 * ${#targets[@]}))"
for t in "${targets[@]}"; do
	bin=$build/tests/fuzz_$t
	corpus=$src/tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		echo "ok $((++n)) # SKIP $bin not built (make tests)"
		echo "ok $((++n)) # SKIP $bin not built (make tests)"
		continue
	fi
	# shellcheck disable=SC2207 # one flag per word
	flags=($(fuzz_flags "$t" "$src"))
	seeds=("$corpus"/*)
	if [ ! -f "${seeds[0]}" ]; then
		fail=1
		echo "not ok $((++n)) - $t: no seed in $corpus"
	elif "$bin" "${flags[@]}" -artifact_prefix="$tmp/" "${seeds[@]}" \
		>"$tmp/replay.log" 2>&1; then
		echo "ok $((++n)) - $t: ${#seeds[@]} seeds replay clean"
	else
		fail=1
		echo "not ok $((++n)) - $t: seed replay"
		diag "$tmp/replay.log"
	fi

	mkdir -p "$tmp/corpus-$t"
	if "$bin" "${flags[@]}" -runs="$runs" -max_total_time="$secs" -seed=1 \
		-print_final_stats=1 -artifact_prefix="$tmp/" "$tmp/corpus-$t" \
		"$corpus" >"$tmp/fuzz.log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/fuzz.log")
		echo "ok $((++n)) - $t: ${execs:-?} fuzzed inputs, $(find "$tmp/corpus-$t" -type f | wc -l) new corpus entries"
	else
		fail=1
		echo "not ok $((++n)) - $t: fuzzing found a failure"
		diag "$tmp/fuzz.log"
	fi
done
exit $fail
