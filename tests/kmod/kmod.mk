# SPDX-License-Identifier: GPL-2.0
# The module's tests (run inside the QEMU VMs, see tests/qemu/vm-tests.list):
#   tests/kmod/NAME.c -> $(OUT)/tests/kmod/NAME (kselftest harness, static)
#   $(OUT)/ynl/       the kernel's YNL CLI, from the linux-source-6.12
#                     package (tools/net/ynl + the netlink schemas)
# Include from the top Makefile before tests/build.mk.

KMOD_TEST_SRCS := $(wildcard tests/kmod/*.c)
KMOD_TEST_BINS := $(patsubst tests/kmod/%.c,$(OUT)/tests/kmod/%,$(KMOD_TEST_SRCS))
YNL_DIR := $(OUT)/ynl
YNL_STAMP := $(YNL_DIR)/.stamp
YNL_TARBALL := $(firstword $(wildcard /usr/src/linux-source-6.12.tar.xz \
	/usr/src/linux-source-6.*.tar.xz))

TEST_PROGS += $(KMOD_TEST_BINS) $(YNL_STAMP)

$(OUT)/tests/kmod/%: tests/kmod/%.c kmod/uapi/totem.h $(OUT)/include/kselftest_harness.h \
		$(OUT)/include/kselftest.h \
		$(LIBTOTEM_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -I$(SRC)/kmod/uapi -I$(OUT)/include $(TEST_LDFLAGS) \
		-Wno-clobbered -o $@ $< $(LIBTOTEM_A) $(TEST_LIBS)

# Only the YNL library, its CLI and the schemas it validates specs with.
$(YNL_STAMP):
	$(call msg,YNL,$(YNL_DIR))
	$(Q)test -n "$(YNL_TARBALL)" || { echo "no /usr/src/linux-source-6.*.tar.xz" >&2; exit 1; }
	$(Q)rm -rf $(YNL_DIR) && mkdir -p $(YNL_DIR)
	$(Q)top=$$(basename $(YNL_TARBALL) .tar.xz); \
		tar -xJf $(YNL_TARBALL) -C $(YNL_DIR) --strip-components=1 \
		--wildcards "$$top/tools/net/ynl/cli.py" "$$top/tools/net/ynl/lib/*" \
		"$$top/Documentation/netlink/genetlink*.yaml"
	$(Q)touch $@
