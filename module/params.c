// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Every value is checked at load; a bad one refuses the
 * load with a dmesg line naming the parameter, and changes nothing.
 */
#include <linux/ctype.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "tcpmem/resolve.h"

static char *extra_caches;
module_param(extra_caches, charp, 0444);
MODULE_PARM_DESC(extra_caches,
		 "comma-separated slab cache names to track besides the default set (max "
		 __stringify(TM_MAX_EXTRA) ")");

const char *tm_extra[TM_MAX_EXTRA];
int tm_nr_extra;

static bool tm_cache_name_ok(const char *name)
{
	size_t len = strlen(name);
	const char *p;

	if (!len || len >= TM_NAME_LEN)
		return false;
	for (p = name; *p; p++)
		if (!isalnum(*p) && !strchr("_-:.()", *p))
			return false;
	return true;
}

static bool tm_cache_exists(const char *name)
{
	struct list_head *pos;
	bool found = false;

	mutex_lock(tm_slab_mutex);
	list_for_each(pos, tm_slab_caches) {
		const void *s = (const char *)pos - tm_layout.m[TM_KC_LIST].offset;

		if (!strcmp(tm_rd_ptr(s, TM_KC_NAME), name)) {
			found = true;
			break;
		}
	}
	mutex_unlock(tm_slab_mutex);
	return found;
}

int tm_params_init(void)
{
	char *buf, *cur, *name;
	int ret = 0, i;

	if (!extra_caches || !*extra_caches)
		return 0;
	/* the count first: "more than 16" whatever the names are */
	for (cur = extra_caches, i = 1; *cur; cur++)
		i += *cur == ',';
	if (i > TM_MAX_EXTRA) {
		pr_err("extra_caches: more than %d names (%d)\n", TM_MAX_EXTRA, i);
		return -EINVAL;
	}
	buf = kstrdup(extra_caches, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	cur = buf;
	while ((name = strsep(&cur, ",")) != NULL) {
		if (!tm_cache_name_ok(name)) {
			pr_err("extra_caches: invalid cache name \"%.*s\"\n", TM_NAME_LEN, name);
			ret = -EINVAL;
			goto err;
		}
		/* a name given twice is a mistake: refused, never folded */
		for (i = 0; i < tm_nr_extra; i++)
			if (!strcmp(tm_extra[i], name))
				break;
		if (i < tm_nr_extra) {
			pr_err("extra_caches: \"%s\" named twice\n", name);
			ret = -EINVAL;
			goto err;
		}
		if (!tm_cache_exists(name)) {
			pr_err("extra_caches: no slab cache named \"%s\" on this kernel\n", name);
			ret = -EINVAL;
			goto err;
		}
		tm_extra[tm_nr_extra] = kstrdup(name, GFP_KERNEL);
		if (!tm_extra[tm_nr_extra]) {
			ret = -ENOMEM;
			goto err;
		}
		tm_nr_extra++;
	}
	kfree(buf);
	return 0;

err:
	kfree(buf);
	tm_params_exit();
	return ret;
}

void tm_params_exit(void)
{
	while (tm_nr_extra > 0)
		kfree(tm_extra[--tm_nr_extra]);
}
