#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run another build's totemd (BUILD/totemd, e.g. a clone of an earlier
# commit built with `make O=BUILD`) as the benchmark's "other" injector,
# attached to the benchmark's cgroup, in a private mount namespace with its
# own bpffs and /run/totem (its rundir, a private tmpfs), as bench.py
# gives its own totemd:
#
#   sudo TOTEM_BENCH_OTHER_CMD="exec scripts/bench-old-totemd.sh /work/base-out" \
#        TOTEM_BENCH_OTHER_NAME="totem before" TOTEM_BENCH_OTHER_WAIT=3 make bench
set -eu

build=${1:?usage: $0 BUILD (a build directory with totemd)}
[ -x "$build/totemd" ] || { echo "$0: no $build/totemd" >&2; exit 2; }
: "${TOTEM_BENCH_CGROUP:?set by bench.py}"
exec unshare --mount --propagation slave sh -c '
	mount -t bpf bpf /sys/fs/bpf && mkdir -p /run/totem &&
	mount -t tmpfs tmpfs /run/totem &&
	exec "$0" -f --backend bpf --cgroup "$TOTEM_BENCH_CGROUP"' "$build/totemd"
