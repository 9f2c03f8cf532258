#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian packages totem's build, tests and demo need.
#
#   scripts/deps.sh          install what is missing (as root; idempotent:
#                            no apt-get at all when everything is there)
#   scripts/deps.sh --check  exit 0 if all are installed, else list the
#                            missing ones and exit 1
#   scripts/deps.sh --list   print the package list
set -euo pipefail

# The one list.  Why each is here:
PACKAGES=(
	# toolchain and build
	make gcc libc6-dev perl pkg-config kmod cpio xz-utils
	clang llvm clang-format libclang-rt-14-dev	# BPF, fuzzer, style
	bpftool libbpf-dev libelf-dev zlib1g-dev	# BPF pipeline, libtotem
	libnl-3-dev libnl-genl-3-dev libnl-idiag-3-dev	# netlink
	sparse dkms graphviz
	# kernels: headers to build the module, images for the QEMU tests,
	# sources for the kselftest harness, checkpatch.pl and .clang-format
	linux-source-6.1 linux-source-6.12
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static
	# network tests and the demo
	iproute2 tcpdump tshark iperf3 ethtool netcat-openbsd
	python3-scapy python3-pyroute2 python3-yaml python3-jsonschema
)

missing_packages()
{
	local p status

	for p in "${PACKAGES[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null ||
			 true)
		[ "$status" = installed ] || echo "$p"
	done
}

mode=${1:-install}
case "$mode" in
--list)
	printf '%s\n' "${PACKAGES[@]}"
	exit 0
	;;
--check)
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "deps: missing packages: ${missing[*]}" >&2
		echo "deps: run 'sudo scripts/deps.sh' to install them" >&2
		exit 1
	fi
	exit 0
	;;
install)
	;;
-h|--help)
	sed -n '4,10s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "usage: $0 [--check|--list]" >&2
	exit 2
	;;
esac

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer no, never prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: still missing after install: ${missing[*]}" >&2
	exit 1
fi
