# SPDX-License-Identifier: GPL-2.0
# QEMU test VMs (docs/vm.md).  `make check` runs tests/qemu/vm.t through
# prove like any other .t; these targets run or inspect the VMs alone.
#
#   make vm-check                 build, boot every VM kernel, prove -v vm.t
#   make vm-check VM_KERNELS=6.1.0-56-amd64
#   make vm-shell [KVER=...]      interactive root shell in a VM (default:
#                                 the newest 6.12 kernel); exit powers off
# Knobs (environment or make command line): VM_KERNELS, VM_TIMEOUT (600 s
# per VM), VM_TEST_TIMEOUT (300 s per test), VM_TESTS (list file), VM_JOBS
# (VMs booted at once, 2), VM_MODULES, VM_UNIT_TESTS, VM_MEM, VM_SMP.

VM_SHELL_KVER = $(or $(KVER),$(shell ls /boot/vmlinuz-6.12.*-amd64 2>/dev/null | \
	sort -V | tail -n 1 | sed 's|^/boot/vmlinuz-||'))

.PHONY: vm-check vm-shell

vm-check: all
	$(Q)TOTEM_SRC=$(SRC) TOTEM_BUILD=$(OUT) prove -v tests/qemu/vm.t

vm-shell:
	$(Q)TOTEM_BUILD=$(OUT) tests/qemu/run-vm.sh -i $(VM_SHELL_KVER)
