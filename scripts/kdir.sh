#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build tree to build totem.ko against: the running kernel's
# when it exists, else the newest installed Debian linux-headers-*-amd64.
run=/lib/modules/$(uname -r)/build
if [ -d "$run" ]; then
	echo "$run"
	exit 0
fi
for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V -r); do
	if [ -f "$d/Makefile" ]; then
		echo "$d"
		exit 0
	fi
done
