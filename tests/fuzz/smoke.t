#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: a bounded run of the codec fuzzer for `make check` (`make fuzz` runs
# it for FUZZ_TIME seconds).  1: every seed of tests/fuzz/corpus/codec
# replays clean; 2: FUZZ_SMOKE_RUNS mutated inputs find nothing.  New
# inputs go to a temporary directory, never to the committed corpus.
set -u

src=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${TOTEM_BUILD:-$src/build}/tests/fuzz_codec
corpus=$src/tests/fuzz/corpus/codec
runs=${FUZZ_SMOKE_RUNS:-1000000}

echo "1..2"
if [ ! -x "$bin" ]; then
	echo "ok 1 # SKIP $bin not built (make tests)"
	echo "ok 2 # SKIP $bin not built (make tests)"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
fail=0

# Print the tail of a failed run as TAP diagnostics.
diag()
{
	tail -n 30 "$1" | sed 's/^/# /'
}

seeds=("$corpus"/*)
if "$bin" -artifact_prefix="$tmp/" "${seeds[@]}" >"$tmp/replay.log" 2>&1; then
	echo "ok 1 - ${#seeds[@]} seeds replay clean"
else
	fail=1
	echo "not ok 1 - seed replay"
	diag "$tmp/replay.log"
fi

if "$bin" -runs="$runs" -seed=1 -max_len=128 -artifact_prefix="$tmp/" \
	"$tmp/corpus" "$corpus" >"$tmp/fuzz.log" 2>&1; then
	echo "ok 2 - $runs fuzzed inputs, $(find "$tmp/corpus" -type f | wc -l) new corpus entries"
else
	fail=1
	echo "not ok 2 - fuzzing found a failure"
	diag "$tmp/fuzz.log"
	for a in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-*; do
		[ -f "$a" ] || continue
		echo "# input: $(od -An -tx1 -v "$a" | tr -d '\n')"
	done
fi
exit $fail
