# SPDX-License-Identifier: GPL-2.0
# libtotem (shared and static), totemd and totem.  The option codec is
# kmod/codec.c, compiled here as it is into the module and the fuzzer.

USER_OUT := $(OUT)/userspace
LIB_SRCS := $(wildcard userspace/lib/*.c) kmod/codec.c
LIB_OBJS := $(patsubst %.c,$(USER_OUT)/%.o,$(notdir $(LIB_SRCS)))
LIBTOTEM_SO := $(OUT)/libtotem.so.1
LIBTOTEM_A := $(OUT)/libtotem.a
USER_LIBS := $(BPF_LIBS) $(NL_LIBS)
USER_HDRS := $(wildcard userspace/*.h userspace/lib/*.h) kmod/uapi/totem.h kmod/record.h \
	kmod/codec.h

userspace: $(LIBTOTEM_SO) $(LIBTOTEM_A) $(OUT)/totem $(OUT)/totemd

vpath %.c userspace/lib userspace kmod

# The library includes the BPF skeletons; build them first.
$(USER_OUT)/%.o: %.c $(USER_HDRS) $(BPF_SKELS) | $(USER_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -I$(SRC)/kmod/uapi -c $< -o $@

$(LIBTOTEM_A): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(LIBTOTEM_SO): $(LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -shared -Wl,-soname,libtotem.so.1 -o $@ $^ $(USER_LIBS)
	$(Q)ln -sf libtotem.so.1 $(OUT)/libtotem.so

# The programs link the static library: no LD_LIBRARY_PATH in tests or VMs.
$(OUT)/totem $(OUT)/totemd: $(OUT)/%: $(USER_OUT)/%.o $(LIBTOTEM_A)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $(filter %.o,$^) $(LIBTOTEM_A) $(USER_LIBS)

# `totem topology` (also linked into the demo's totem-topology).
$(OUT)/totem: $(USER_OUT)/topology_cmd.o
# the daemon's config file and event service
$(OUT)/totemd: $(USER_OUT)/daemon_conf.o $(USER_OUT)/events.o

$(USER_OUT):
	$(Q)mkdir -p $@
