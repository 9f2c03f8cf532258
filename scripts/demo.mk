# SPDX-License-Identifier: GPL-2.0
# The demo (README's first command):
#
#   sudo make demo             build everything, then run scripts/demo.sh
#   make demo-bins             only the demo's programs, into $(O)/demo
#   sudo make demo DEMO_ARGS=--check
#                              ... and fail unless the topology is exactly
#                              the one the demo application makes
#
# The tiers are one program (scripts/demo/tier.c) under three names, so
# each tier's processes carry their own command name: demo-client,
# demo-web, demo-db.  totem-topology is `totem topology` as a program of
# its own, for a totem built without that subcommand.
# Include after userspace/build.mk and before tests/build.mk: `make all`
# (through `make tests`) builds these too.

DEMO_OUT := $(OUT)/demo
DEMO_TIERS := $(DEMO_OUT)/demo-client $(DEMO_OUT)/demo-web $(DEMO_OUT)/demo-db
DEMO_BINS := $(DEMO_OUT)/tier $(DEMO_TIERS) $(DEMO_OUT)/totem-topology

TEST_PROGS += $(DEMO_BINS)

.PHONY: demo-bins
demo-bins: $(DEMO_BINS)

$(DEMO_OUT)/tier: scripts/demo/tier.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 -o $@ $<

$(DEMO_TIERS): $(DEMO_OUT)/tier
	$(Q)ln -sf tier $@

$(DEMO_OUT)/totem-topology: scripts/demo/topology.c $(USER_OUT)/topology_cmd.o \
		$(LIBTOTEM_A)
	$(call msg,LD,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -I$(SRC)/kmod/uapi -o $@ $^ $(USER_LIBS)

demo:
	$(Q)scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh
	$(Q)$(MAKE) all
	$(Q)$(MAKE) demo-bins
	$(Q)TOTEM_BUILD=$(OUT) scripts/demo.sh $(DEMO_ARGS)
