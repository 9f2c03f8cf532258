# SPDX-License-Identifier: GPL-2.0
# libFuzzer targets, included by tests/build.mk.
#
#   tests/fuzz/fuzz_NAME.c   -> $(OUT)/tests/fuzz_NAME (ASan + UBSan), seeds in
#                               tests/fuzz/corpus/NAME/, libFuzzer flags in
#                               tests/fuzz/targets.sh
#   make fuzz [FUZZ_TIME=600] [FUZZ_TARGETS="genl conf"]
#                               run each target in turn for FUZZ_TIME seconds
#                               (tests/fuzz/run.sh); new inputs and crashes go
#                               to $(OUT)/fuzz/
#   make fuzz-corpus            rewrite the generated (binary) seed corpora:
#                               codec (gen_corpus), genl and sock_diag
#                               (gen_netlink); the text ones are written by hand
#   tests/fuzz/smoke.t          (make check) every seed, then a bounded run
#
# The targets other than the codec's call libtotem as it is: its sources are
# compiled again with the sanitizers and libFuzzer's coverage into
# $(OUT)/fuzz/libtotem-fuzz.a (with totemd's config parser, daemon_conf.c).

FUZZ_OUT := $(OUT)/fuzz
FUZZ_ALL := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_BINS := $(patsubst %,$(TEST_OUT)/fuzz_%,$(FUZZ_ALL))
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) -I$(SRC)/kmod -I$(SRC)/tests/unit
FUZZ_LIB_SRCS := $(LIB_SRCS) userspace/daemon_conf.c
FUZZ_LIB_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(notdir $(FUZZ_LIB_SRCS)))
FUZZ_LIB := $(FUZZ_OUT)/libtotem-fuzz.a
FUZZ_HDRS := $(wildcard tests/fuzz/*.h) $(USER_HDRS)
FUZZ_GENERATED := codec genl sock_diag
FUZZ_TIME ?= 600

TEST_PROGS += $(FUZZ_BINS) $(TEST_OUT)/gen_corpus $(TEST_OUT)/gen_netlink

.PHONY: fuzz fuzz-corpus

$(FUZZ_OUT)/obj/%.o: %.c $(USER_HDRS) $(BPF_SKELS)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(USER_CFLAGS) -I$(SRC)/kmod/uapi -g -O1 \
		-fsanitize=fuzzer-no-link $(FUZZ_SAN) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# The codec's target needs nothing but the codec.
$(TEST_OUT)/fuzz_codec: tests/fuzz/fuzz_codec.c kmod/codec.c kmod/codec.h \
		kmod/uapi/totem.h tests/fuzz/fuzz.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -D_GNU_SOURCE -o $@ tests/fuzz/fuzz_codec.c kmod/codec.c

$(TEST_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_LIB)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(USER_CFLAGS) -I$(SRC)/kmod/uapi \
		-I$(SRC)/userspace/lib -I$(SRC)/tests/fuzz -o $@ $< $(FUZZ_LIB) \
		$(USER_LIBS)

$(TEST_OUT)/gen_corpus: tests/fuzz/gen_corpus.c tests/unit/codec_vectors.h \
		kmod/codec.h kmod/uapi/totem.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -o $@ $<

$(TEST_OUT)/gen_netlink: tests/fuzz/gen_netlink.c $(FUZZ_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TEST_CFLAGS) -I$(SRC)/tests/fuzz -o $@ $< $(NL_LIBS)

# Rewrite the generated seed corpora (codec_vectors.h, nlbuild.h).
fuzz-corpus: $(TEST_OUT)/gen_corpus $(TEST_OUT)/gen_netlink
	$(Q)for t in $(FUZZ_GENERATED); do \
		rm -rf tests/fuzz/corpus/$$t && mkdir -p tests/fuzz/corpus/$$t || exit 1; \
	done
	$(Q)$(TEST_OUT)/gen_corpus tests/fuzz/corpus/codec
	$(Q)$(TEST_OUT)/gen_netlink genl tests/fuzz/corpus/genl
	$(Q)$(TEST_OUT)/gen_netlink sock_diag tests/fuzz/corpus/sock_diag

# One target at a time; the committed seeds are only read.
fuzz: $(patsubst %,$(TEST_OUT)/fuzz_%,$(FUZZ_TARGETS))
	$(Q)TOTEM_SRC=$(SRC) TOTEM_BUILD=$(OUT) tests/fuzz/run.sh $(FUZZ_TIME) \
		$(FUZZ_TARGETS)
