#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: totemd --backend auto on this kernel (tests/e2e/auto.sh; the VMs
# run it with the module too).
exec "$(dirname "$0")/../e2e/auto.sh"
