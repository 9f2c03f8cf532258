# SPDX-License-Identifier: GPL-2.0
# make dkms-install: put the module's sources in /usr/src/totem-VERSION
# (install-dkms-tree, userspace/install.mk) and have DKMS add, build and
# install it for DKMS_KERNELS (default: the running kernel), e.g.
#   make dkms-install DKMS_KERNELS="6.1.0-56-amd64 6.12.117+deb12-amd64"
# make dkms-uninstall: dkms remove for every kernel, then the tree.
# Included from the top Makefile after userspace/install.mk.

# DKMS runs make on the target kernel's tree: it must not inherit this
# make's flags (an O= given to us would become the kernel build's O=).
DKMS ?= env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL dkms
DKMS_KERNELS ?= $(shell uname -r)

.PHONY: dkms-uninstall

dkms-install: install-dkms-tree
	$(Q)if [ -n "$(DESTDIR)" ]; then \
		echo "dkms-install: DESTDIR set, tree installed only" >&2; exit 0; fi; \
	command -v dkms >/dev/null || { echo "dkms-install: no dkms" >&2; exit 1; }; \
	if $(DKMS) status -m $(DKMS_NAME) -v $(TOTEM_VERSION) | grep -q .; then \
		$(DKMS) remove $(DKMS_NAME)/$(TOTEM_VERSION) --all >/dev/null || exit 1; fi; \
	$(DKMS) add $(DKMS_NAME)/$(TOTEM_VERSION) || exit 1; \
	for k in $(DKMS_KERNELS); do \
		$(DKMS) install $(DKMS_NAME)/$(TOTEM_VERSION) -k $$k || exit 1; done

dkms-uninstall:
	$(Q)if $(DKMS) status -m $(DKMS_NAME) -v $(TOTEM_VERSION) | grep -q .; then \
		$(DKMS) remove $(DKMS_NAME)/$(TOTEM_VERSION) --all || exit 1; fi
	$(Q)rm -rf $(DESTDIR)$(DKMS_TREE)
