# tcpmem: user targets. Kbuild itself reads ./Kbuild (not this file) when
# called as `make -C $KDIR M=$PWD`.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

TCPMEM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tcpmem
export TCPMEM_CACHE
KERNELVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KERNELVER)/build
# the version: VERSION is its one source of truth (dkms.conf gets it at
# install time, debian/changelog must match: scripts/test-infra.sh checks)
VERSION := $(shell cat VERSION)
DKMS_SRC := /usr/src/tcpmem-$(VERSION)
KERNELS ?= $(shell awk -F'\t' '!/^\#/ && NF { print $$1 }' scripts/matrix.tsv)

all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .cache/build .cache/initramfs .cache/logs .cache/deb .cache/dkms .cache/resolved

# also drops the shared cache of kernels, chroots and the sanitizer kernel
# (${XDG_CACHE_HOME:-~/.cache}/tcpmem, or $$TCPMEM_CACHE)
distclean: clean
	rm -rf .cache
	rm -rf $(TCPMEM_CACHE)

# all matrix kernels, or e.g. `make check KERNELS=6.12`
check:
	scripts/check.sh $(KERNELS)

demo:
	scripts/demo.sh demo

# timings of tcpmem against ss, /proc/net/tcp and /proc/slabinfo, in one VM run
bench:
	scripts/demo.sh bench

# tcpmem-dkms_<version>_all.deb in .cache/deb/, built with dpkg-buildpackage
# and checked with lintian in the cached bookworm chroot (scripts/mkdeb.sh)
deb:
	scripts/mkdeb.sh

# as root, with dkms and the headers of the kernel installed: the sources in
# /usr/src/tcpmem-<version>/, then dkms add/build/install for KERNELVER (the
# running kernel); DKMS rebuilds it when a kernel's headers are installed
dkms-install:
	if dkms status tcpmem/$(VERSION) | grep -q .; then dkms remove tcpmem/$(VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cp -r Kbuild Makefile VERSION module include $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf >$(DKMS_SRC)/dkms.conf
	dkms add tcpmem/$(VERSION)
	dkms build tcpmem/$(VERSION) -k $(KERNELVER)
	dkms install tcpmem/$(VERSION) -k $(KERNELVER)
	dkms status tcpmem

dkms-uninstall:
	if dkms status tcpmem/$(VERSION) | grep -q .; then dkms remove tcpmem/$(VERSION) --all; fi
	rm -rf $(DKMS_SRC)

kernels:
	scripts/deps.sh
	for k in $(KERNELS); do scripts/fetch-kernel.sh $$k || exit 1; done

.PHONY: all modules clean distclean check demo bench deb dkms-install dkms-uninstall kernels
endif
