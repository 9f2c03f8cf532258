#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: `make install` into a DESTDIR puts every file where
# userspace/install.mk says (binaries, library, headers, pkg-config file,
# man pages, systemd unit, config sample, DKMS tree); the pkg-config file
# works against that tree (a small program compiles and links against the
# installed library, shared and static, and runs); the installed programs
# run; `make uninstall` removes every file again.  No root needed.
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
PREFIX=/usr/local
# the top Makefile; another one (a copy with the include) for trying this
# test before the top Makefile includes userspace/install.mk
MK=${TOTEM_MAKEFILE:-$SRC/Makefile}

grep -q '^include userspace/install.mk' "$MK" ||
	skip_all "the top Makefile does not include userspace/install.mk"
if [ ! -x "$OUT/totem" ] || [ ! -x "$OUT/totemd" ] || [ ! -e "$OUT/libtotem.so.1" ]; then
	skip_all "totem, totemd or libtotem.so.1 not built (make userspace)"
fi

tmpdir install
D=$TMP/root
check() { # DESCRIPTION CMD...
	local what=$1

	shift
	"$@" >"$TMP/out" 2>&1
	local s=$?
	[ $s = 0 ] || sed 's/^/# /' "$TMP/out" | tail -20
	tap $s "$what"
}

make_() {
	make -C "$SRC" -f "$MK" --no-print-directory O="$OUT" PREFIX="$PREFIX" DESTDIR="$D" "$@"
}

check "make install DESTDIR=... succeeds" make_ install

version=$(sed -n 's/^Version: //p' "$D$PREFIX/lib/pkgconfig/totem.pc" 2>/dev/null)
[ -n "$version" ] || version=missing
expected=(
	"$PREFIX/bin/totem"
	"$PREFIX/sbin/totemd"
	"$PREFIX/lib/libtotem.so.1"
	"$PREFIX/lib/libtotem.so"
	"$PREFIX/lib/libtotem.a"
	"$PREFIX/include/totem/libtotem.h"
	"$PREFIX/include/totem/totem.h"
	"$PREFIX/lib/pkgconfig/totem.pc"
	"$PREFIX/lib/systemd/system/totemd.service"
	/etc/totem/totemd.conf.example
	"/usr/src/totem-$version/Kbuild"
	"/usr/src/totem-$version/uapi/totem.h"
)
for f in "$SRC"/docs/man/*.8; do
	[ -e "$f" ] && expected+=("$PREFIX/share/man/man8/$(basename "$f")")
done
for f in "$SRC"/kmod/*.c "$SRC"/kmod/*.h "$SRC"/kmod/compat/*; do
	case "$f" in *.mod.c) continue ;; esac	# modpost's, a build product
	[ -e "$f" ] && expected+=("/usr/src/totem-$version/${f#"$SRC"/kmod/}")
done
[ -e "$SRC/dkms/dkms.conf" ] && expected+=("/usr/src/totem-$version/dkms.conf")

missing=
for f in "${expected[@]}"; do
	[ -e "$D$f" ] || missing="$missing $f"
done
[ -z "$missing" ] || echo "# missing:$missing"
tap "$([ -z "$missing" ]; echo $?)" "all ${#expected[@]} files installed"

# nothing else: every installed file is one we expect
# tree_files: every file and symlink under $D, as absolute installed paths
tree_files() {
	[ -d "$D" ] || { echo "(nothing installed: no $D)"; return; }
	find "$D" \( -type f -o -type l \) | sed "s|^$D||" | sort
}
extra=$(tree_files | comm -23 - <(printf '%s\n' "${expected[@]}" | sort))
[ -z "$extra" ] || echo "# unexpected files: $(echo $extra)"
tap "$([ -z "$extra" ]; echo $?)" "no unexpected files (no build products in the DKMS tree)"

check "programs executable, library a symlink to the soname" sh -c "
	[ -x '$D$PREFIX/bin/totem' ] && [ -x '$D$PREFIX/sbin/totemd' ] &&
	[ \"\$(readlink '$D$PREFIX/lib/libtotem.so')\" = libtotem.so.1 ] &&
	readelf -d '$D$PREFIX/lib/libtotem.so.1' | grep -q 'SONAME.*\[libtotem.so.1\]'"
check "headers and config sample are the sources' copies" sh -c "
	cmp '$SRC/userspace/libtotem.h' '$D$PREFIX/include/totem/libtotem.h' &&
	cmp '$SRC/kmod/uapi/totem.h' '$D$PREFIX/include/totem/totem.h' &&
	cmp '$SRC/docs/totemd.conf.example' '$D/etc/totem/totemd.conf.example'"
check "systemd unit starts the installed totemd" sh -c "
	grep -qx 'ExecStart=$PREFIX/sbin/totemd --foreground' \
		'$D$PREFIX/lib/systemd/system/totemd.service' &&
	! grep -q @ '$D$PREFIX/lib/systemd/system/totemd.service'"
check "installed totem --help runs" "$D$PREFIX/bin/totem" --help
check "installed totemd --help runs" "$D$PREFIX/sbin/totemd" --help

# pkg-config against the tree: relocate its prefix into DESTDIR (this
# redefines the prefix of libbpf's and libnl's .pc too, which only adds
# harmless -I paths: their headers are not needed to use libtotem.h)
pc() {
	PKG_CONFIG_PATH="$D$PREFIX/lib/pkgconfig" \
		pkg-config --define-variable=prefix="$D$PREFIX" "$@"
}
cflags=$(pc --cflags totem 2>"$TMP/pcerr")
tap "$([[ " $cflags " == *" -I$D$PREFIX/include/totem "* ]]; echo $?)" \
	"pkg-config --cflags totem points into the tree ($cflags)"
# shellcheck disable=SC2046 # (word splitting trims the trailing blank)
libs=$(echo $(pc --libs totem 2>>"$TMP/pcerr"))
tap "$([ "$libs" = "-L$D$PREFIX/lib -ltotem" ]; echo $?)" \
	"pkg-config --libs totem points into the tree ($libs)"
check "pkg-config --modversion is dkms.conf's version" \
	test "$(pc --modversion totem 2>&1)" = "$version"

cat >"$TMP/hello.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <libtotem.h>

int main(void)
{
	struct totem_config cfg;
	enum totem_backend b;

	if (totem_backend_parse("proc", &b) || b != TOTEM_BACKEND_PROC)
		return 1;
	totem_config_default(&cfg);
	if (cfg.format4 != TOTEM_FMT_V1 || sizeof(struct totem_sock_record) != 120)
		return 1;
	printf("%s %s\n", totem_backend_name(b), totem_counter_name(TOTEM_CTR_RX_TOT));
	return 0;
}
EOF
# shellcheck disable=SC2086
check "a program compiles and links against the installed shared library" \
	cc -Wall -Werror -o "$TMP/hello" "$TMP/hello.c" $cflags $libs
check "... and runs with it" sh -c "
	LD_LIBRARY_PATH='$D$PREFIX/lib' '$TMP/hello' | grep -qx 'proc rx_tot' &&
	LD_LIBRARY_PATH='$D$PREFIX/lib' ldd '$TMP/hello' | grep -q '$D$PREFIX/lib/libtotem.so.1'"
# shellcheck disable=SC2086,SC2046
check "a program links statically with pkg-config --static --libs" \
	cc -static -Wl,--no-warnings -o "$TMP/hello-static" "$TMP/hello.c" $cflags \
		$(pc --static --libs totem 2>/dev/null)
check "... and runs" sh -c "'$TMP/hello-static' | grep -qx 'proc rx_tot'"

check "make uninstall DESTDIR=... succeeds" make_ uninstall
left=$(tree_files)
[ -z "$left" ] || echo "# left behind: $(echo $left)"
tap "$([ -z "$left" ]; echo $?)" "uninstall removed every file"
check "uninstall removed totem's own directories" sh -c "
	[ ! -e '$D$PREFIX/include/totem' ] && [ ! -e '$D/etc/totem' ] &&
	[ ! -e '$D/usr/src/totem-$version' ]"

done_testing
