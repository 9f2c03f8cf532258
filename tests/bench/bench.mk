# SPDX-License-Identifier: GPL-2.0
# Benchmarks (docs/performance.md): never part of `make check`, apart from
# the harness smoke test tests/host/bench-smoke.t.
#
#   make bench                      the host run (root; ~12 min), one table
#   make bench BENCH_ARGS=--quick   ~10 s, to see that it works
#   make bench BENCH_ARGS="--vm 6.1.0-56-amd64"
#                                   ... and the module path in a QEMU VM
#   make bench BENCH_ARGS="--doc docs/performance.md"
#                                   ... and write the table into the doc
#   make bench-tools                only build the tools
#
# Include after userspace/build.mk (needs LIBTOTEM_A) and before
# tests/build.mk (adds the tools to TEST_PROGS, for the smoke test).

BENCH_OUT := $(OUT)/bench
BENCH_TOOLS := $(BENCH_OUT)/tcpbench $(BENCH_OUT)/sockfarm \
	$(BENCH_OUT)/qlookup $(BENCH_OUT)/injattach $(BENCH_OUT)/nop.bpf.o
BENCH_ARGS ?=

TEST_PROGS += $(BENCH_TOOLS)

.PHONY: bench bench-tools

bench-tools: $(BENCH_TOOLS)

$(BENCH_OUT)/tcpbench $(BENCH_OUT)/sockfarm: $(BENCH_OUT)/%: tests/bench/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $<

$(BENCH_OUT)/injattach: tests/bench/injattach.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -o $@ $< $(BPF_LIBS)

# The calibration sockops program: no vmlinux.h, only the UAPI headers.
$(BENCH_OUT)/nop.bpf.o: tests/bench/nop.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -Wall \
		-I/usr/include/$(shell $(CC) -dumpmachine) -c $< -o $@

$(BENCH_OUT)/qlookup: tests/bench/qlookup.c $(USER_HDRS) $(LIBTOTEM_A)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -I$(SRC)/kmod/uapi -o $@ $< $(LIBTOTEM_A) $(USER_LIBS)

bench: $(BENCH_TOOLS) $(OUT)/totemd
	$(Q)TOTEM_SRC=$(SRC) TOTEM_BUILD=$(OUT) tests/bench/bench.py \
		--json $(BENCH_OUT)/results.json $(BENCH_ARGS)
