# SPDX-License-Identifier: GPL-2.0
#
# totem top-level build.  `make` builds the module, the BPF objects and
# skeletons, libtotem, totemd, totem and the tests into $(O).
#   make V=1          show commands
#   make KDIR=...     build the module against another kernel tree
#   make check        all tests (installs missing Debian packages first)
#   make demo         the three-tier demo (README)
#   make style        checkpatch + clang-format
#   make C=1          sparse on the module

O ?= build
OUT := $(abspath $(O))
SRC := $(abspath .)

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(OUT)/%,%,$(2))";
MAKEFLAGS += --no-print-directory
endif

# The module is built against KDIR: the running kernel's build tree when it
# exists, else the newest installed Debian linux-headers-*-amd64.
KDIR ?= $(shell scripts/kdir.sh)

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
ARCH_BPF := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare
NL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell $(PKG_CONFIG) --libs libnl-genl-3.0 libnl-idiag-3.0 2>/dev/null)
BPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -fPIC \
	-I$(SRC)/kmod -I$(SRC)/userspace -I$(OUT)/bpf $(NL_CFLAGS)

PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all kmod bpf userspace tests check demo style fuzz bench clean \
	install uninstall dkms-install deps
.DEFAULT_GOAL := all
# Keep intermediate products (BPF objects) between builds.
.SECONDARY:

all: kmod bpf userspace tests

deps:
	$(Q)scripts/deps.sh

# The kernel's make must not see our O= (it would take it for its own
# output tree): it gets no flags of ours but V and C.
kmod:
	$(Q)if [ -z "$(KDIR)" ] || [ ! -d "$(KDIR)" ]; then \
		echo "kmod: no kernel build tree (set KDIR=...)" >&2; exit 1; fi
	$(Q)env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS $(MAKE) --no-print-directory -C $(KDIR) \
		M=$(SRC)/kmod \
		$(if $(filter 1,$(V)),V=1) \
		$(if $(C),C=$(C) CHECKFLAGS="-D__CHECK_ENDIAN__") modules

include bpf/build.mk
include userspace/build.mk
include scripts/demo.mk
include userspace/install.mk
include dkms/dkms.mk
include tests/kmod/kmod.mk
include tests/bench/bench.mk
include tests/build.mk

clean:
	$(Q)rm -rf $(OUT)
	$(Q)if [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then \
		$(MAKE) -C $(KDIR) M=$(SRC)/kmod clean >/dev/null; fi
