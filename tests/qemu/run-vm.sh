#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh [-i] KVER: build totem.ko against KVER's installed headers (in a
# copy of kmod/ under $TOTEM_BUILD/vm/KVER/kmod), pack an initramfs, boot
# /boot/vmlinuz-KVER under QEMU (TCG) and run the VM suite (vm-tests.list).
# -i boots to an interactive shell instead (console on stdio).
#
# Exit: 0 result token PASS, 1 suite failed / no token / timeout, 2 could not
# build or boot.  The files are in $TOTEM_BUILD/vm/KVER: console.log (ttyS0:
# kernel and test output), result.log (ttyS1: what vm.t parses), build.log.
# See docs/vm.md for the design and the environment knobs.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${TOTEM_BUILD:-$SRC/build}
VM_TIMEOUT=${VM_TIMEOUT:-2400}
VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-900}
VM_TESTS=${VM_TESTS:-$SRC/tests/qemu/vm-tests.list}
VM_UNIT_TESTS=${VM_UNIT_TESTS:-1}
# Loaded by init before the suite, dependencies first.  virtio_pci is built in
# on 6.12 and a module on 6.1; built-in ones are skipped.
VM_MODULES=${VM_MODULES:-virtio_pci 9pnet_virtio 9p veth sch_netem tcp_diag}
VM_MEM=${VM_MEM:-1G}
VM_SMP=${VM_SMP:-2}

interactive=0
if [ "${1:-}" = -i ]; then
	interactive=1
	shift
fi
if [ $# -ne 1 ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "usage: $0 [-i] KVER   (e.g. $(ls /boot/vmlinuz-* 2>/dev/null | head -n1 | \
		sed 's|.*/vmlinuz-||'))" >&2
	exit 2
fi
kver=$1
vmlinuz=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
kdir=${VM_KDIR:-/usr/src/linux-headers-$kver}
dir=$OUT/vm/$kver
stage=$dir/initramfs
log=$dir/build.log

fail() {
	echo "run-vm.sh: $kver: $*" >&2
	exit 2
}

for f in "$vmlinuz" "$moddir/modules.dep" "$kdir/Makefile"; do
	[ -e "$f" ] || fail "missing $f (install linux-image-$kver and linux-headers-$kver)"
done
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"
[ -x /bin/busybox ] || fail "/bin/busybox missing (busybox-static)"
mkdir -p "$dir" || fail "mkdir $dir"
console=$dir/console.log
result=$dir/result.log
rm -f "$console" "$result"
: >"$log"

# Mirror kmod/ sources into $dir/kmod: only changed files are rewritten, so
# kbuild rebuilds what changed, and nothing is ever built in the source tree.
sync_kmod() {
	local from=$SRC/kmod to=$dir/kmod f

	mkdir -p "$to" || return 1
	(cd "$from" && find . -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' \
		! -name '*.mod.c' ! -name '.*.cmd' ! -name '.*.d' ! -name '*.a' \
		! -name modules.order ! -name Module.symvers) | while IFS= read -r f; do
		mkdir -p "$to/$(dirname "$f")"
		cmp -s "$from/$f" "$to/$f" || cp "$from/$f" "$to/$f" || exit 1
	done || return 1
	(cd "$to" && find . -type f \( -name '*.[ch]' -o -name 'Kbuild*' -o -name Makefile \) \
		! -name '*.mod.c') | while IFS= read -r f; do
		[ -e "$from/$f" ] || rm -f "$to/$f"
	done
}

t0=$(date +%s)
sync_kmod || fail "cannot copy kmod/ to $dir/kmod"
# not our make's flags: its O= would become the kernel's output tree
env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS make -C "$kdir" M="$dir/kmod" modules \
	>>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; fail "totem.ko build failed (see $log)"; }
ko=$dir/kmod/totem.ko
[ -f "$ko" ] || fail "no $ko after build"

rm -rf "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,host,vm/modules} || fail "mkdir $stage"
gcc -static -O2 -Wall -o "$stage/init" "$SRC/tests/qemu/init.c" >>"$log" 2>&1 ||
	{ tail -n 30 "$log" >&2; fail "init.c build failed"; }
cp /bin/busybox "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
mknod "$stage/dev/console" c 5 1 2>/dev/null || true

# Module name -> path and dependencies, from modules.dep; names use '_'.
declare -A modpath moddeps builtin loaded
while IFS= read -r line; do
	p=${line%%:*}
	n=${p##*/}
	n=${n%%.ko*}
	n=${n//-/_}
	modpath[$n]=$p
	moddeps[$n]=${line#*:}
done <"$moddir/modules.dep"
while IFS= read -r p; do
	n=${p##*/}
	n=${n%%.ko*}
	builtin[${n//-/_}]=1
done <"$moddir/modules.builtin"

modlist=()
add_module() {
	local n=${1//-/_} d dn

	[ -n "${loaded[$n]:-}" ] && return 0
	[ -n "${builtin[$n]:-}" ] && return 0
	[ -n "${modpath[$n]:-}" ] || { echo "module $1 not found in $moddir" >&2; return 1; }
	for d in ${moddeps[$n]}; do
		dn=${d##*/}
		add_module "${dn%%.ko*}" || return 1
	done
	loaded[$n]=1
	modlist+=("$n")
}
for m in $VM_MODULES; do
	add_module "$m" || fail "cannot resolve module $m"
done
: >"$stage/vm/modules.list"
for n in "${modlist[@]}"; do
	p=$moddir/${modpath[$n]}
	case $p in
	*.xz) xz -dc "$p" ;;
	*.zst) zstd -qdc "$p" ;;
	*.gz) gzip -dc "$p" ;;
	*) cat "$p" ;;
	esac >"$stage/vm/modules/$n.ko" || fail "cannot unpack $p"
	echo "/vm/modules/$n.ko" >>"$stage/vm/modules.list"
done

cp "$ko" "$stage/vm/totem.ko"
cp "$SRC/tests/qemu/vm-suite.sh" "$stage/vm/vm-suite.sh"
cp "$VM_TESTS" "$stage/vm/vm-tests.list" || fail "cannot read $VM_TESTS"
# The VM hides the host's /tmp under its own tmpfs and shows it at
# /run/host-tmp (init.c): point paths below /tmp there.
vm_path() {
	case $1 in
	/tmp/*) printf '/run/host-tmp/%s' "${1#/tmp/}" ;;
	*) printf '%s' "$1" ;;
	esac
}
{
	printf 'TOTEM_SRC=%q\n' "$(vm_path "$SRC")"
	printf 'TOTEM_BUILD=%q\n' "$(vm_path "$OUT")"
	printf 'TOTEM_KVER=%q\n' "$kver"
	printf 'TOTEM_KO=/run/vm/totem.ko\n'
	printf 'VM_TEST_TIMEOUT=%q\n' "$VM_TEST_TIMEOUT"
	printf 'VM_UNIT_TESTS=%q\n' "$VM_UNIT_TESTS"
} >"$stage/vm/vm.conf"
[ $interactive = 1 ] && touch "$stage/vm/interactive"

(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) \
	>"$dir/initramfs.cpio" || fail "cpio failed"
t1=$(date +%s)

qemu=(qemu-system-x86_64 -accel tcg -m "$VM_MEM" -smp "$VM_SMP" -nographic -no-reboot
	-nodefaults -monitor none
	-kernel "$vmlinuz" -initrd "$dir/initramfs.cpio"
	-append "console=ttyS0,115200 panic=-1 mitigations=off"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap")
if [ $interactive = 1 ]; then
	exec "${qemu[@]}" -serial mon:stdio -serial "file:$result"
fi
echo "run-vm.sh: $kver: booting (timeout ${VM_TIMEOUT}s), console: $console"
timeout -k 10 "$VM_TIMEOUT" "${qemu[@]}" -serial "file:$console" -serial "file:$result" \
	</dev/null >>"$log" 2>&1
qrc=$?
t2=$(date +%s)
echo "run-vm.sh: $kver: build $((t1 - t0))s, vm $((t2 - t1))s$( \
	[ $qrc = 124 ] && echo ", TIMEOUT after ${VM_TIMEOUT}s")"
if grep -q '^TOTEM-VM-RESULT PASS' "$result" 2>/dev/null; then
	exit 0
fi
if [ $qrc != 0 ] && [ $qrc != 124 ] && ! [ -s "$console" ]; then
	tail -n 20 "$log" >&2
	fail "qemu failed (exit $qrc)"
fi
exit 1
