# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall (PREFIX, DESTDIR as usual).
#
#   $(BINDIR)/totem                 the CLI
#   $(SBINDIR)/totemd               the daemon
#   $(LIBDIR)/libtotem.so.1, libtotem.so, libtotem.a
#   $(INCLUDEDIR)/totem/libtotem.h, totem.h   (cflags: -I$(INCLUDEDIR)/totem)
#   $(PKGCONFIGDIR)/totem.pc        from userspace/totem.pc.in
#   $(MANDIR)/man8/*.8              every page in docs/man
#   $(SYSTEMDUNITDIR)/totemd.service  from scripts/totemd.service.in
#   $(SYSCONFDIR)/totem/totemd.conf.example
#   $(DKMSDIR)/totem-$(TOTEM_VERSION)/  the module's sources and dkms.conf,
#                                   for `dkms install totem/$(TOTEM_VERSION)`
#
# SYSCONFDIR and DKMSDIR do not follow PREFIX: totemd reads
# /etc/totem/totemd.conf and DKMS looks for sources in /usr/src.
# uninstall removes exactly these files (the man pages and DKMS tree as
# they are in this source tree) and the directories install created.

BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
MANDIR ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
DKMSDIR ?= /usr/src
INSTALL ?= install

# One version for the library, pkg-config and the DKMS tree: dkms.conf's.
DKMS_CONF := dkms/dkms.conf
TOTEM_VERSION ?= $(or $(shell sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' \
	$(DKMS_CONF) 2>/dev/null),0.1)
DKMS_NAME := $(or $(shell sed -n 's/^PACKAGE_NAME="\{0,1\}\([^"]*\)"\{0,1\}$$/\1/p' \
	$(DKMS_CONF) 2>/dev/null),totem)
DKMS_TREE := $(DKMSDIR)/$(DKMS_NAME)-$(TOTEM_VERSION)

MAN_PAGES := $(wildcard docs/man/*.8)
# The module's sources, not its build products.
KMOD_SRCS := kmod/Kbuild $(filter-out %.mod.c,$(wildcard kmod/Makefile kmod/*.c kmod/*.h kmod/uapi/*.h \
	kmod/compat/*.h kmod/compat/*.c kmod/compat/Kbuild.include))
# dkms.mk is the make dkms-install target, not part of the tree.
DKMS_FILES := $(wildcard dkms/dkms.conf)

D := $(DESTDIR)
INSTALL_FILES := $(BINDIR)/totem $(SBINDIR)/totemd $(LIBDIR)/libtotem.so.1 \
	$(LIBDIR)/libtotem.so $(LIBDIR)/libtotem.a $(INCLUDEDIR)/totem/libtotem.h \
	$(INCLUDEDIR)/totem/totem.h $(PKGCONFIGDIR)/totem.pc \
	$(patsubst docs/man/%,$(MANDIR)/man8/%,$(MAN_PAGES)) \
	$(SYSTEMDUNITDIR)/totemd.service $(SYSCONFDIR)/totem/totemd.conf.example

# totem.pc says ${prefix}/lib rather than /usr/local/lib where it can, so
# `pkg-config --define-variable=prefix=...` relocates it (tests/host/install.t).
PC_LIBDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' -e 's|@SBINDIR@|$(SBINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(TOTEM_VERSION)|g'

.PHONY: install-files install-dkms-tree

install: install-files install-dkms-tree
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; \
		then ldconfig; fi

install-files: userspace
	$(call msg,INSTALL,$(D)$(PREFIX))
	$(Q)$(INSTALL) -D -m 0755 $(OUT)/totem $(D)$(BINDIR)/totem
	$(Q)$(INSTALL) -D -m 0755 $(OUT)/totemd $(D)$(SBINDIR)/totemd
	$(Q)$(INSTALL) -D -m 0755 $(LIBTOTEM_SO) $(D)$(LIBDIR)/libtotem.so.1
	$(Q)ln -sf libtotem.so.1 $(D)$(LIBDIR)/libtotem.so
	$(Q)$(INSTALL) -D -m 0644 $(LIBTOTEM_A) $(D)$(LIBDIR)/libtotem.a
	$(Q)$(INSTALL) -D -m 0644 userspace/libtotem.h $(D)$(INCLUDEDIR)/totem/libtotem.h
	$(Q)$(INSTALL) -D -m 0644 kmod/uapi/totem.h $(D)$(INCLUDEDIR)/totem/totem.h
	$(Q)$(INSTALL) -d $(D)$(PKGCONFIGDIR) $(D)$(MANDIR)/man8 $(D)$(SYSTEMDUNITDIR) \
		$(D)$(SYSCONFDIR)/totem
	$(Q)$(SUBST) userspace/totem.pc.in >$(D)$(PKGCONFIGDIR)/totem.pc
	$(Q)$(SUBST) scripts/totemd.service.in >$(D)$(SYSTEMDUNITDIR)/totemd.service
	$(Q)$(if $(MAN_PAGES),$(INSTALL) -m 0644 $(MAN_PAGES) $(D)$(MANDIR)/man8/)
	$(Q)$(INSTALL) -m 0644 docs/totemd.conf.example \
		$(D)$(SYSCONFDIR)/totem/totemd.conf.example

# The tree DKMS builds from: the module's folder as it is here (compat/,
# uapi/ included) with dkms.conf beside it.
install-dkms-tree:
	$(call msg,INSTALL,$(D)$(DKMS_TREE))
	$(Q)rm -rf $(D)$(DKMS_TREE)
	$(Q)for f in $(KMOD_SRCS); do \
		$(INSTALL) -D -m 0644 $$f $(D)$(DKMS_TREE)/$${f#kmod/} || exit 1; done
	$(Q)$(if $(DKMS_FILES),$(INSTALL) -m 0644 $(DKMS_FILES) $(D)$(DKMS_TREE)/)

uninstall:
	$(call msg,RM,$(D)$(PREFIX))
	$(Q)rm -f $(addprefix $(D),$(INSTALL_FILES))
	$(Q)rm -rf $(D)$(DKMS_TREE)
	$(Q)-rmdir $(D)$(INCLUDEDIR)/totem $(D)$(SYSCONFDIR)/totem 2>/dev/null; true
