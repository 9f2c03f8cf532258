# SPDX-License-Identifier: GPL-2.0
# Tests: built into $(OUT)/tests, run by `prove` from `make check`.
#
#   make tests                 build every test program
#   make check                 install missing packages, build all, prove
#   make check TEST_VERBOSE=1  ... with prove -v (every TAP line)
#   make fuzz [FUZZ_TIME=600]  run each libFuzzer target for FUZZ_TIME seconds
#                              (tests/fuzz/fuzz.mk)
#   make style                 checkpatch + clang-format (scripts/style.sh)
#
# Adding tests (no edit here needed):
#   tests/unit/NAME.c  -> $(OUT)/tests/NAME, a kselftest-harness program
#                         linked with libtotem.a; prove runs it.
#   tests/e2e/NAME.c   -> $(OUT)/tests/e2e/NAME, a helper program for the
#                         scripts (may link libtotem.a); not run directly.
#   tests/host/NAME.t, tests/qemu/NAME.t
#                      -> TAP scripts prove runs, with TOTEM_SRC and
#                         TOTEM_BUILD (absolute source and output dirs) in
#                         their environment.
#   TEST_PROGS += FILE -> another program `make tests` must build (give it
#                         a rule in your own .mk, included before this one).
#   TEST_PROVE += FILE -> another test prove must run.
# Test programs are linked statically (TEST_STATIC=1, the default) so they
# can be copied into a QEMU guest as they are; TEST_STATIC=0 links them
# dynamically.

TEST_OUT := $(OUT)/tests
TEST_INC := $(OUT)/include
KSRC_OUT := $(OUT)/ksrc
KSRC_STAMP := $(KSRC_OUT)/.stamp
HARNESS_HDRS := $(TEST_INC)/kselftest_harness.h $(TEST_INC)/kselftest.h

TEST_STATIC ?= 1
ifeq ($(TEST_STATIC),1)
# --no-warnings: glibc warns at every static link that libnl's unused
# getaddrinfo()/getprotobyname() would need its shared NSS modules.
TEST_LDFLAGS := -static -Wl,--no-warnings
TEST_LIBS := $(shell $(PKG_CONFIG) --static --libs libbpf libnl-genl-3.0 \
	libnl-idiag-3.0 2>/dev/null || echo -lbpf -lelf -lz -lnl-genl-3 \
	-lnl-idiag-3 -lnl-3 -lpthread)
else
TEST_LDFLAGS :=
TEST_LIBS := $(USER_LIBS)
endif
TEST_CFLAGS := $(USER_CFLAGS) -I$(SRC)/kmod/uapi -I$(TEST_INC) \
	-I$(SRC)/tests/unit -I$(SRC)/tests
TEST_HDRS := $(USER_HDRS) $(wildcard tests/unit/*.h tests/e2e/*.h) \
	$(HARNESS_HDRS)

TEST_UNIT_SRCS := $(wildcard tests/unit/*.c)
TEST_UNIT_BINS := $(patsubst tests/unit/%.c,$(TEST_OUT)/%,$(TEST_UNIT_SRCS))
TEST_E2E_SRCS := $(wildcard tests/e2e/*.c)
TEST_E2E_BINS := $(patsubst tests/e2e/%.c,$(TEST_OUT)/e2e/%,$(TEST_E2E_SRCS))

FUZZ_SMOKE_RUNS ?= 1000000
FUZZ_SMOKE_TIME ?= 5
# No test may hang CI: each one is killed after TEST_TIMEOUT seconds.
TEST_TIMEOUT ?= 2700

TEST_PROGS += $(TEST_UNIT_BINS) $(TEST_E2E_BINS)
TEST_PROVE += $(TEST_UNIT_BINS) tests/fuzz/smoke.t \
	$(sort $(wildcard tests/host/*.t)) $(sort $(wildcard tests/qemu/*.t))

# libFuzzer targets, make fuzz, make fuzz-corpus
include tests/fuzz/fuzz.mk

tests: $(TEST_PROGS)

# The kselftest harness comes from the installed kernel source package:
# a dependency, extracted once, never committed.
$(KSRC_STAMP):
	$(call msg,KSRC,$(KSRC_OUT))
	$(Q)scripts/ksrc.sh $(KSRC_OUT)

$(HARNESS_HDRS): $(TEST_INC)/%: $(KSRC_STAMP)
	$(Q)mkdir -p $(TEST_INC)
	$(Q)cp $(KSRC_OUT)/tools/testing/selftests/$* $@

$(TEST_OUT)/%: tests/unit/%.c $(TEST_HDRS) $(LIBTOTEM_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) $(TEST_LDFLAGS) -o $@ $< $(LIBTOTEM_A) \
		$(TEST_LIBS)

$(TEST_OUT)/e2e/%: tests/e2e/%.c $(TEST_HDRS) $(LIBTOTEM_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) $(TEST_LDFLAGS) -o $@ $< $(LIBTOTEM_A) \
		$(TEST_LIBS)

check:
	$(Q)scripts/deps.sh --check || scripts/deps.sh
	$(Q)$(MAKE) all
	$(Q)TOTEM_SRC=$(SRC) TOTEM_BUILD=$(OUT) FUZZ_SMOKE_RUNS=$(FUZZ_SMOKE_RUNS) \
		FUZZ_SMOKE_TIME=$(FUZZ_SMOKE_TIME) \
		prove $(if $(filter 1,$(TEST_VERBOSE)),-v) \
		--exec 'timeout -k 10 $(TEST_TIMEOUT)' $(TEST_PROVE)

style: $(KSRC_STAMP)
	$(Q)KSRC=$(KSRC_OUT) scripts/style.sh
include tests/qemu/qemu.mk
