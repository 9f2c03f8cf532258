# SPDX-License-Identifier: GPL-2.0
# BPF pipeline (libbpf-bootstrap): foo.bpf.c -> foo.bpf.o -> (bpftool gen
# object) foo.o -> (bpftool gen skeleton) foo.skel.h, all under $(OUT)/bpf.
# vmlinux.h is generated from the build host's BTF; the programs are CO-RE,
# so the objects run on any kernel with BTF and the features they probe.

BPF_OUT := $(OUT)/bpf
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_NAMES := $(patsubst bpf/%.bpf.c,%,$(BPF_SRCS))
BPF_SKELS := $(patsubst %,$(BPF_OUT)/%.skel.h,$(BPF_NAMES))
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH_BPF) -Wall \
	-I$(BPF_OUT) -I$(SRC)/kmod -I$(SRC)/bpf

bpf: $(BPF_SKELS)

$(BPF_OUT)/vmlinux.h: | $(BPF_OUT)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

$(BPF_OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) kmod/uapi/totem.h \
		$(BPF_OUT)/vmlinux.h | $(BPF_OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BPF_OUT)/%.o: $(BPF_OUT)/%.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(BPF_OUT)/%.skel.h: $(BPF_OUT)/%.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BPF_OUT):
	$(Q)mkdir -p $@
