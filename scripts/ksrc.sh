#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ksrc.sh OUTDIR: extract the few files totem takes from the installed
# Debian kernel source tarball (linux-source-6.12, else linux-source-6.1)
# into OUTDIR, keeping their in-tree paths:
#
#   tools/testing/selftests/kselftest_harness.h, kselftest.h  (unit tests)
#   scripts/checkpatch.pl, spelling.txt, const_structs.checkpatch  (style)
#   .clang-format  (reference for the repo's copy)
#
# They are dependencies, not part of totem: never commit a copy.  Reading
# one member out of a .tar.xz means decompressing the whole archive, so all
# members are taken in one pass and OUTDIR/.stamp caches the result.
set -eu

out=${1:?usage: ksrc.sh OUTDIR}
members="tools/testing/selftests/kselftest_harness.h
tools/testing/selftests/kselftest.h
scripts/checkpatch.pl
scripts/spelling.txt
scripts/const_structs.checkpatch
.clang-format"

[ -f "$out/.stamp" ] && exit 0

tarball=
for v in ${KSRC_VERSIONS:-6.12 6.1}; do
	if [ -f "/usr/src/linux-source-$v.tar.xz" ]; then
		tarball=/usr/src/linux-source-$v.tar.xz
		top=linux-source-$v
		break
	fi
done
if [ -z "$tarball" ]; then
	echo "ksrc.sh: no /usr/src/linux-source-*.tar.xz (run scripts/deps.sh)" >&2
	exit 1
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${out%/}.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
list=
for m in $members; do
	list="$list $top/$m"
done
echo "  KSRC     extracting from $tarball (once, ~1 min)" >&2
# --occurrence: stop reading once every member has been found.
# shellcheck disable=SC2086
tar -xJf "$tarball" -C "$tmp" --occurrence=1 $list
mkdir -p "$out"
cp -a "$tmp/$top/." "$out/"
echo "$tarball" > "$out/.stamp"
