#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# House style check (`make style`):
#   1. checkpatch.pl --no-tree -f over the kernel-side C (kmod/, bpf/);
#   2. clang-format with the repo's .clang-format (the kernel's) over all
#      totem C: kmod/, bpf/, userspace/, tests/.
#
#   scripts/style.sh [FILE...]   check these files only
#   scripts/style.sh --fix ...   rewrite files with clang-format -i first
#                                (loses tab-aligned trailing comments; read
#                                the diff before keeping it)
#
# clang-format cannot reproduce kernel style's tab-aligned trailing
# comments and #define values, so its output is compared with each file
# ignoring changes in the *amount* of white space (diff -b): line breaks,
# braces, spaces added or removed around tokens and indentation depth all
# still count.  .clang-format has ColumnLimit 0 (the author's line breaks
# stay), so this script checks the 100-column limit on every file itself.
# Generated files (Kbuild's *.mod.c) are not checked.
#
# checkpatch.pl exceptions, each for a reason:
#   MACRO_ARG_UNUSED everywhere: X-macro consumers of TOTEM_COUNTERS(X)
#     take (id, name, desc) and use only some of them;
#   COMPLEX_MACRO in the files listed in COMPLEX_MACRO_OK: an X-macro list
#     cannot be parenthesised;
#   VOLATILE in bpf/: `const volatile` is libbpf's idiom for load-time
#     constants in .rodata (set through the skeleton before load).
#
# checkpatch.pl comes from the installed Debian linux-source-6.12 package,
# extracted by scripts/ksrc.sh into $KSRC (default build/ksrc).
set -euo pipefail

cd "$(dirname "$0")/.."
KSRC=${KSRC:-build/ksrc}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

CHECKPATCH_IGNORE=MACRO_ARG_UNUSED
COMPLEX_MACRO_OK=" kmod/uapi/totem.h "

fix=0
if [ "${1:-}" = --fix ]; then
	fix=1
	shift
fi

is_generated()
{
	case "$1" in
	*.mod.c) return 0 ;;
	esac
	return 1
}

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(git ls-files -co --exclude-standard -- \
		'kmod/*.[ch]' 'bpf/*.[ch]' 'userspace/*.[ch]' 'tests/*.[ch]' |
		sort -u)
fi

kernel=()
all=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	is_generated "$f" && continue
	all+=("$f")
	case "$f" in
	kmod/*|bpf/*) kernel+=("$f") ;;
	esac
done

[ -x "$KSRC/scripts/checkpatch.pl" ] || scripts/ksrc.sh "$KSRC"

rc=0
if [ $fix = 1 ] && [ ${#all[@]} -gt 0 ]; then
	"$CLANG_FORMAT" -i "${all[@]}"
fi

echo "  STYLE    checkpatch.pl: ${#kernel[@]} files"
for f in "${kernel[@]}"; do
	ignore=$CHECKPATCH_IGNORE
	case "$COMPLEX_MACRO_OK" in
	*" $f "*) ignore=$ignore,COMPLEX_MACRO ;;
	esac
	case "$f" in
	bpf/*) ignore=$ignore,VOLATILE ;;
	esac
	# --no-tree: no kernel tree around; the spelling and const_structs
	# lists are found next to checkpatch.pl.
	if ! perl "$KSRC/scripts/checkpatch.pl" --no-tree --quiet \
		--show-types --ignore "$ignore" -f "$f"; then
		rc=1
	fi
done

echo "  STYLE    100 columns: ${#all[@]} files"
for f in "${all[@]}"; do
	if ! expand -t 8 "$f" | awk -v f="$f" '
		# Like checkpatch.pl, let a string literal that starts within
		# the limit run past it rather than be split.
		length($0) > 100 && !(index($0, "\"") && index($0, "\"") <= 100 &&
				       $0 ~ /"[ ,;)}]*$/) {
			printf "%s:%d: %d columns (max 100)\n", f, NR, length($0)
			bad = 1
		}
		END { exit bad }'; then
		rc=1
	fi
done

echo "  STYLE    clang-format: ${#all[@]} files"
for f in "${all[@]}"; do
	if ! "$CLANG_FORMAT" --style=file "$f" |
		diff -b -u --label "$f" --label "$f (clang-format)" "$f" -; then
		rc=1
	fi
done

if [ $rc -ne 0 ]; then
	echo "style: FAILED (see above; scripts/style.sh --fix FILE rewrites)" >&2
else
	echo "style: clean"
fi
exit $rc
