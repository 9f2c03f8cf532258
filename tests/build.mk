# SPDX-License-Identifier: GPL-2.0
# Tests: built into $(OUT)/tests, run by `prove` from `make check`.
tests:
