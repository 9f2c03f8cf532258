#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP for prove: boots every VM kernel (run-vm.sh, in parallel up to VM_JOBS)
# and relays what the VM suite reported on its result port:
#   ok N - KVER: VM booted
#   ok N - KVER: TEST: <each inner TAP result, renumbered>
#   ok N - KVER: TEST exited 0 (9/9 planned results)
#   ok N - KVER: TEST: kernel log clean
#   ok N - KVER: result token PASS
# Kernels: VM_KERNELS="6.1.0-56-amd64 ..." or every /boot/vmlinuz-6.1.*-amd64
# and /boot/vmlinuz-6.12.*-amd64.  See docs/vm.md.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${TOTEM_BUILD:-$SRC/build}
export TOTEM_BUILD=$OUT
VM_JOBS=${VM_JOBS:-2}

if [ -n "${VM_KERNELS:-}" ]; then
	kernels=$VM_KERNELS
else
	kernels=$(for series in 6.1 6.12; do
		ls /boot/vmlinuz-$series.*-amd64 2>/dev/null | sort -V | tail -n 1
	done | sed 's|^/boot/vmlinuz-||')
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "1..0 # SKIP qemu-system-x86_64 not installed (make deps)"
	exit 0
fi
if [ -z "$kernels" ]; then
	echo "1..0 # SKIP no /boot/vmlinuz-6.1.*-amd64 or 6.12 kernel (make deps)"
	exit 0
fi

n=0
tap() { # STATUS(0=ok) DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
	fi
}

diag_tail() { # FILE LINES
	[ -f "$1" ] && tail -n "$2" "$1" | tr -d '\r' | sed 's/^/#   /'
}

# DKMS: add, build and install the module for every VM kernel against its
# installed Debian headers (make dkms-install); the VMs see the host's
# /lib/modules, where tests/kmod/dkms.sh loads the DKMS-built module.
# Removed again (make dkms-uninstall) once the VMs are done.
# VM_DKMS=0 leaves DKMS alone.
dkms=0
mkdir -p "$OUT/vm"
if [ "${VM_DKMS:-1}" = 1 ] && [ "$(id -u)" = 0 ] && command -v dkms >/dev/null; then
	dkms=1
	make -C "$SRC" O="$OUT" dkms-install DKMS_KERNELS="$(echo $kernels)" \
		>"$OUT/vm/dkms.log" 2>&1
	st=$?
	tap $st "dkms add/build/install for $(echo $kernels)"
	[ $st = 0 ] || diag_tail "$OUT/vm/dkms.log" 30
	for k in $kernels; do
		dkms status -m totem -k "$k" 2>/dev/null | grep -q installed
		tap $? "dkms status: totem installed for $k"
	done
fi

# Boot them all, VM_JOBS at a time; each writes $OUT/vm/KVER/{run.log,rc}.
running=0
for k in $kernels; do
	mkdir -p "$OUT/vm/$k"
	rm -f "$OUT/vm/$k/rc"
	(
		"$SRC/tests/qemu/run-vm.sh" "$k" >"$OUT/vm/$k/run.log" 2>&1
		echo $? >"$OUT/vm/$k/rc"
	) &
	running=$((running + 1))
	if [ $running -ge "$VM_JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait



# Relay one kernel's result.log as TAP lines.
relay() {
	local k=$1 res=$OUT/vm/$1/result.log
	local line test="" plan="" seen=0 inner_fail=0 token="" booted=0 done="" why="" rc kernel desc

	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		TOTEM-VM-BOOTED)
			booted=1
			tap 0 "$k: VM booted"
			;;
		TOTEM-VM-BEGIN*) ;;
		TOTEM-VM-ERROR*)
			tap 1 "$k: ${line#TOTEM-VM-ERROR }"
			;;
		TOTEM-VM-SKIP*)
			line=${line#TOTEM-VM-SKIP }
			tap 0 "$k: ${line%% *} # SKIP ${line#* }"
			;;
		TOTEM-VM-TEST\ *)
			test=${line#TOTEM-VM-TEST }
			plan="" seen=0 inner_fail=0 why=""
			;;
		TOTEM-VM-END\ *)
			set -- ${line#TOTEM-VM-END }
			rc=${2#rc=} kernel=${3#kernel=}
			desc="$k: $test exited $rc"
			if [ -n "$plan" ]; then
				desc+=" ($seen/$plan planned results)"
			fi
			if [ "$rc" = 4 ]; then
				tap 0 "$desc # SKIP ${why:-exit 4 (KSFT_SKIP)}"
			elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				tap 1 "$k: $test timed out (VM_TEST_TIMEOUT)"
			elif [ -n "$plan" ] && [ "$seen" != "$plan" ]; then
				tap 1 "$desc: plan mismatch"
			else
				[ "$rc" = 0 ] && [ $inner_fail = 0 ]
				tap $? "$desc"
			fi
			[ "$kernel" = clean ]
			tap $? "$k: $test: kernel log clean (no WARNING/BUG/Oops, no new taint)"
			test=""
			;;
		TOTEM-VM-DONE\ *)
			done=${line#TOTEM-VM-DONE }
			;;
		TOTEM-VM-RESULT*)
			token=${line#TOTEM-VM-RESULT }
			;;
		*)
			if [ -z "$test" ]; then
				[ -n "$line" ] && echo "# $line"
				continue
			fi
			if [[ $line =~ ^(not\ )?ok($|[[:space:]]) ]]; then
				local st=0 rest

				[ -n "${BASH_REMATCH[1]}" ] && st=1
				[[ $line =~ ^(not\ )?ok[[:space:]]*[0-9]*[[:space:]]*-?[[:space:]]*(.*)$ ]]
				rest=${BASH_REMATCH[2]}
				seen=$((seen + 1))
				# "not ok ... # TODO" is an expected failure.
				if [ $st = 1 ] && ! [[ $rest =~ \#[[:space:]]*[Tt][Oo][Dd][Oo] ]]; then
					inner_fail=1
				fi
				tap $st "$k: $test: ${rest:-(result $seen)}"
			elif [[ $line =~ ^1\.\.([0-9]+) ]]; then
				plan=${BASH_REMATCH[1]}
				[[ $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]]*(.*)$ ]] &&
					why=${BASH_REMATCH[1]}
				echo "# $k: $test: $line"
			elif [[ $line =~ ^Bail\ out! ]]; then
				inner_fail=1
				tap 1 "$k: $test: $line"
			elif [ "${line#\#}" != "$line" ]; then
				echo "$line"
			elif [ -n "$line" ]; then
				echo "# $line"
			fi
			;;
		esac
	done < <([ -f "$res" ] && cat "$res")

	if [ -n "$test" ]; then
		tap 1 "$k: $test did not finish (VM died or timed out)"
	fi
	[ $booted = 1 ] || tap 1 "$k: VM booted"
	[ -n "$done" ] && [ "$done" -gt 0 ]
	tap $? "$k: the suite ran to its end (${done:-?} tests)"
	if [ "$token" = PASS ]; then
		tap 0 "$k: result token PASS"
	else
		tap 1 "$k: result token ${token:-missing (timeout, panic or no boot)}"
		echo "# $k: run-vm.sh output:"
		diag_tail "$OUT/vm/$k/run.log" 20
		echo "# $k: console ($OUT/vm/$k/console.log) ends with:"
		diag_tail "$OUT/vm/$k/console.log" 40
	fi
}

for k in $kernels; do
	rc=$(cat "$OUT/vm/$k/rc" 2>/dev/null)
	sed 's/^/# /' "$OUT/vm/$k/run.log"
	if [ "$rc" = 2 ]; then
		tap 1 "$k: build and boot the VM"
		continue
	fi
	relay "$k"
done
if [ $dkms = 1 ]; then
	make -C "$SRC" O="$OUT" dkms-uninstall >>"$OUT/vm/dkms.log" 2>&1 &&
		! dkms status -m totem 2>/dev/null | grep -q .
	tap $? "dkms remove: nothing of totem left in DKMS"
fi
echo "1..$n"
