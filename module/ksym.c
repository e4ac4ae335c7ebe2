// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses of the few non-exported *data* symbols tcpmem needs.
 *
 * kallsyms_lookup_name() is not exported, and on IBT kernels (Debian 6.12,
 * 7.2) calling any function through a looked-up address can fault. So no
 * resolved address is ever called: register_kprobe() resolves the name and
 * refuses a non-text address with -EINVAL, leaving the address in kp.addr;
 * sprint_symbol() then must print exactly "<name>+0x0/..." for it.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/string.h>

#include "tcpmem/tcpmem.h"

int tm_ksym_data(const char *name, unsigned long *addr)
{
	struct kprobe kp = { .symbol_name = name };
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned long a;
	int ret;

	ret = register_kprobe(&kp);
	if (ret == 0) {
		/* a probe-able text symbol: never what we want */
		unregister_kprobe(&kp);
		return -EINVAL;
	}
	a = (unsigned long)kp.addr;
	if (!a)
		return -ENOENT;
	sprint_symbol(buf, a);
	if (strncmp(buf, name, len) || strncmp(buf + len, "+0x0/", 5))
		return -EINVAL;
	*addr = a;
	return 0;
}
