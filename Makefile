# tcpmem: user targets. Kbuild itself reads ./Kbuild (not this file) when
# called as `make -C $KDIR M=$PWD`.
ifneq ($(KERNELRELEASE),)
include $(src)/Kbuild
else

TCPMEM_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tcpmem
export TCPMEM_CACHE
KDIR ?= /lib/modules/$(shell uname -r)/build
KERNELS ?= $(shell awk -F'\t' '!/^\#/ && NF { print $$1 }' scripts/matrix.tsv)

all modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	if [ -d $(KDIR) ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	rm -rf .cache/build .cache/initramfs .cache/logs

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

kernels:
	scripts/deps.sh
	for k in $(KERNELS); do scripts/fetch-kernel.sh $$k || exit 1; done

.PHONY: all modules clean distclean check demo bench kernels
endif
