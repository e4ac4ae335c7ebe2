// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses of the few non-exported *data* symbols tcpmem needs.
 *
 * kallsyms_lookup_name() is not exported, and on IBT kernels (Debian 6.12,
 * 7.2) calling any function through a looked-up address can fault. So no
 * resolved address is ever called: register_kprobe() resolves the name and
 * refuses a non-text address with -EINVAL, leaving the address in kp.addr;
 * sprint_symbol() then must print exactly "<name>+0x0/..." for it.
 * A name kallsyms holds twice is found in full by tm_ksym_find_data().
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "tcpmem/resolve.h"

/* The address the lookup by name gives for a data symbol, unchecked. */
static int tm_ksym_addr(const char *name, unsigned long *addr)
{
	struct kprobe kp = { .symbol_name = name };
	int ret;

	ret = register_kprobe(&kp);
	if (ret == 0) {
		/* a probe-able text symbol: never what we want */
		unregister_kprobe(&kp);
		return -EINVAL;
	}
	*addr = (unsigned long)kp.addr;
	return *addr ? 0 : -ENOENT;
}

int tm_ksym_data(const char *name, unsigned long *addr)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned long a;
	int ret;

	ret = tm_ksym_addr(name, &a);
	if (ret)
		return ret;
	sprint_symbol(buf, a);
	if (strncmp(buf, name, len) || strncmp(buf + len, "+0x0/", 5))
		return -EINVAL;
	*addr = a;
	return 0;
}

/* sprint_symbol()'s "<name>+0x<off>/0x<size>[ [module]]": name, off, size */
static bool tm_ksym_parse(char *buf, unsigned long *off, unsigned long *size)
{
	char *plus = strrchr(buf, '+'), *slash;

	if (!plus)
		return false;
	*plus = '\0';
	slash = strchr(plus + 1, '/');
	if (!slash)
		return false;
	*slash = '\0';
	strim(slash + 1);
	if (strchr(slash + 1, ' '))
		return false;	/* a module symbol: not in vmlinux */
	return !kstrtoul(plus + 1, 16, off) && !kstrtoul(slash + 1, 16, size);
}

/* Record every symbol of [@start, @end) named as one of @f, symbol by symbol. */
static void tm_ksym_walk(unsigned long start, unsigned long end,
			 struct tm_ksym_find *f, int nr)
{
	char buf[KSYM_SYMBOL_LEN];
	unsigned long a = start, off, size, steps = 0;
	int i;

	while (a < end) {
		sprint_symbol(buf, a);
		if (!tm_ksym_parse(buf, &off, &size) || off >= size) {
			a = ALIGN(a + 1, sizeof(long));	/* no symbol here */
			continue;
		}
		for (i = 0; i < nr; i++)
			if (!off && !strcmp(buf, f[i].name) && f[i].n < TM_KSYM_MAX)
				f[i].addr[f[i].n++] = a;
		a += size - off;
		if (!(++steps % 1024))
			cond_resched();
	}
}

static void tm_ksym_add(struct tm_ksym_find *f, unsigned long a)
{
	int i;

	for (i = 0; i < f->n; i++)
		if (f->addr[i] == a)
			return;
	if (f->n < TM_KSYM_MAX)
		f->addr[f->n++] = a;
}

/*
 * Every vmlinux data symbol named as one of @f: kallsyms may hold two
 * symbols of one name (two static variables in two files), and the lookup
 * by name returns one of them by section order. kallsyms_on_each_symbol()
 * is not exported, so the data sections are walked symbol by symbol with
 * sprint_symbol(), which gives each symbol's size (a bounded walk, about
 * one step per data symbol); the lookup's answer is added in case it
 * shares its address with a marker that sprint_symbol() names instead.
 * Returns -ENOENT if the sections' bounds are not in kallsyms.
 */
int tm_ksym_find_data(struct tm_ksym_find *f, int nr)
{
	static const char *const bounds[][2] = {
		{ "__start_ro_after_init", "__end_ro_after_init" },
		{ "_sdata", "_edata" },
		{ "__bss_start", "__bss_stop" },
	};
	unsigned long s, e, a;
	int i, ret = 0;

	for (i = 0; i < nr; i++)
		f[i].n = 0;
	for (i = 0; i < ARRAY_SIZE(bounds); i++) {
		/* markers: sprint_symbol() may name another symbol at their address */
		if (tm_ksym_addr(bounds[i][0], &s) || tm_ksym_addr(bounds[i][1], &e) || e < s) {
			pr_warn("kallsyms: no bounds %s..%s: duplicate names cannot be seen there\n",
				bounds[i][0], bounds[i][1]);
			ret = -ENOENT;
			continue;
		}
		tm_ksym_walk(s, e, f, nr);
	}
	for (i = 0; i < nr; i++)
		if (!tm_ksym_data(f[i].name, &a))
			tm_ksym_add(&f[i], a);
	return ret;
}
