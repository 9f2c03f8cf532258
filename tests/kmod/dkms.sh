#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS-built module (make dkms-install DKMS_KERNELS=<this kernel> on the
# host, whose /lib/modules the VM sees): modprobe loads it, modinfo
# documents the parameters, the family answers, and a generic netlink
# request for "totem" autoloads it (MODULE_ALIAS_GENL_FAMILY).
# Skips when no DKMS-built totem.ko is installed for this kernel.
# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/lib.sh"
need_root "modules"
[ -e /proc/modules ] || skip_all "kernel without module support"
file=$(modinfo -F filename totem 2>/dev/null)
case $file in
*/updates/dkms/*) ;;
*) skip_all "no DKMS-built totem.ko for $(uname -r) (make dkms-install)" ;;
esac
TOTEM=$BUILD/totem

echo "1..6"
unload
modprobe totem
ok $? "modprobe totem loads $file"
[ "$(cat /sys/module/totem/version 2>/dev/null)" = \
	"$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "${TOTEM_SRC:-.}/dkms/dkms.conf")" ]
ok $? "module version $(cat /sys/module/totem/version 2>/dev/null) is dkms.conf's"
parms=$(modinfo -F parm totem | cut -d: -f1 | sort | tr '\n' ' ')
[ "$parms" = "enable format4 format6 hook_stats host_id max_procs max_sockets parse sample_bytes " ]
ok $? "modinfo documents the parameters ($parms)"
"$TOTEM" -b kmod -j config >/dev/null
ok $? "the generic netlink family answers (totem -b kmod config)"
modprobe -r totem && ! loaded
ok $? "modprobe -r totem"
# request_module() runs the modprobe helper from the kernel threads' root
# (/proc/2/root), which in the test VM is the initramfs, not this chroot:
# there, point the helper at a busybox script that chroots back here.
helper=$(cat /proc/sys/kernel/modprobe)
wrapped=
if [ ! -x "/proc/2/root$helper" ] && [ -x /proc/2/root/bin/busybox ] &&
	[ -d "/proc/2/root/host$BUILD" ]; then
	wdir=$(mktemp -d /tmp/totem-dkms.XXXXXX)
	printf '#!/bin/busybox sh\nexec /bin/busybox chroot /host %s "$@"\n' "$helper" \
		>"$wdir/modprobe"
	chmod 755 "$wdir/modprobe"
	echo "/host$wdir/modprobe" >/proc/sys/kernel/modprobe
	wrapped=1
fi
if [ -x "/proc/2/root$(cat /proc/sys/kernel/modprobe)" ]; then
	"$TOTEM" -b kmod -j config >/dev/null 2>&1
	poll 50 loaded
	ok $? "a request for family \"totem\" autoloads the module${wrapped:+ (helper chroots back)}"
else
	tap_skip "no modprobe helper reachable by request_module() here"
fi
if [ -n "$wrapped" ]; then
	echo "$helper" >/proc/sys/kernel/modprobe
	rm -rf "$wdir"
fi
unload
finish
