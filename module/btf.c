// SPDX-License-Identifier: GPL-2.0
/*
 * A small reader for the running kernel's BTF. The kernel exports no BTF
 * query API to modules, so the type section is parsed here, once, at load.
 *
 * It must take the BTF of every kernel in the matrix: 5.10 (kinds 1-13),
 * 6.1/6.12 (up to ENUM64) and 7.2 (DECL_TAG, TYPE_TAG, 24-bit vlen, 7-bit
 * kind, longer header skipped by hdr_len). Any kind it does not know makes
 * the whole load fail: the size of its trailing data would be a guess.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/btf.h>

#include "tcpmem/btf.h"
#include "tcpmem/resolve.h"

#define TM_BTF_PATH		"kernel/btf/vmlinux"	/* in the private sysfs */
#define TM_BTF_MAX_BYTES	(64U << 20)
#define TM_BTF_MAX_DEPTH	8

/* Kind numbers from uapi/linux/btf.h; spelled out so older headers build. */
enum {
	TM_KIND_INT = 1, TM_KIND_PTR, TM_KIND_ARRAY, TM_KIND_STRUCT, TM_KIND_UNION,
	TM_KIND_ENUM, TM_KIND_FWD, TM_KIND_TYPEDEF, TM_KIND_VOLATILE, TM_KIND_CONST,
	TM_KIND_RESTRICT, TM_KIND_FUNC, TM_KIND_FUNC_PROTO, TM_KIND_VAR,
	TM_KIND_DATASEC, TM_KIND_FLOAT, TM_KIND_DECL_TAG, TM_KIND_TYPE_TAG,
	TM_KIND_ENUM64,
};

/*
 * The header fields every BTF has (24 bytes); 7.2's uapi struct btf_header
 * is longer (layout_off, layout_len), and any header is skipped by hdr_len.
 */
struct tm_btf_header {
	u16 magic;
	u8 version;
	u8 flags;
	u32 hdr_len;
	u32 type_off;
	u32 type_len;
	u32 str_off;
	u32 str_len;
};

/* 7.2 widened kind to 7 bits and vlen to 24; the extra bits were 0 before. */
#define TM_KIND(info)	(((info) >> 24) & 0x7f)
#define TM_VLEN(info)	((info) & 0xffffff)
#define TM_KFLAG(info)	((info) >> 31)

struct tm_btf {
	void *data;		/* the whole file */
	const u8 *types;	/* type section */
	const char *strs;	/* string section */
	u32 str_len;
	u32 nr_types;		/* ids 1..nr_types */
	u32 *type_off;		/* type id -> byte offset in the type section */
};

u32 tm_btf_nr_types(const struct tm_btf *btf)
{
	return btf->nr_types;
}

static const struct btf_type *tm_type(const struct tm_btf *btf, u32 id)
{
	if (id == 0 || id > btf->nr_types)
		return NULL;
	return (const struct btf_type *)(btf->types + btf->type_off[id]);
}

static const char *tm_name(const struct tm_btf *btf, u32 off)
{
	/* the string section was checked to end in NUL at load */
	return off < btf->str_len ? btf->strs + off : NULL;
}

/* Bytes of trailing data after a btf_type of this kind, or -EINVAL. */
static long tm_extra_bytes(u32 info)
{
	u32 vlen = TM_VLEN(info);

	switch (TM_KIND(info)) {
	case TM_KIND_INT:
	case TM_KIND_VAR:
	case TM_KIND_DECL_TAG:
		return 4;
	case TM_KIND_ARRAY:
		return sizeof(struct btf_array);
	case TM_KIND_STRUCT:
	case TM_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case TM_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case TM_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case TM_KIND_DATASEC:
		return (long)vlen * 12;	/* struct btf_var_secinfo */
	case TM_KIND_ENUM64:
		return (long)vlen * 12;	/* struct btf_enum64 */
	case TM_KIND_PTR:
	case TM_KIND_FWD:
	case TM_KIND_TYPEDEF:
	case TM_KIND_VOLATILE:
	case TM_KIND_CONST:
	case TM_KIND_RESTRICT:
	case TM_KIND_FUNC:
	case TM_KIND_FLOAT:
	case TM_KIND_TYPE_TAG:
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * Read the whole file. Its inode size is the BTF size on most kernels, but
 * may be 0 (a sysfs attribute without a size): then read until EOF into a
 * buffer that grows.
 */
static int tm_btf_read_file(void **out, size_t *len)
{
	struct file *f;
	loff_t pos = 0;
	size_t cap;
	void *buf;
	int ret = 0;

	f = tm_sysfs_open(TM_BTF_PATH, O_RDONLY);
	if (IS_ERR(f))
		return PTR_ERR(f);
	cap = i_size_read(file_inode(f));
	if (cap > TM_BTF_MAX_BYTES) {
		ret = -EFBIG;
		goto out_close;
	}
	cap = cap ? cap + 1 : 4U << 20;	/* + 1: see EOF without another pass */
	buf = kvmalloc(cap, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		ssize_t n;

		if (pos == cap) {
			void *bigger;

			if (cap >= TM_BTF_MAX_BYTES) {
				ret = -EFBIG;
				break;
			}
			bigger = kvmalloc(cap * 2, GFP_KERNEL);
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			memcpy(bigger, buf, pos);
			kvfree(buf);
			buf = bigger;
			cap *= 2;
		}
		n = kernel_read(f, buf + pos, cap - pos, &pos);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n == 0)
			break;
	}
	if (!ret && pos < (loff_t)sizeof(struct tm_btf_header))
		ret = -ENODATA;
	if (ret) {
		kvfree(buf);
		goto out_close;
	}
	*out = buf;
	*len = pos;
out_close:
	filp_close(f, NULL);
	return ret;
}

/* Check the header and sections; build the id -> offset index. */
static int tm_btf_index(struct tm_btf *btf, size_t len)
{
	const struct tm_btf_header *hdr = btf->data;
	u32 pos, n, type_len;

	if (hdr->magic != BTF_MAGIC || hdr->version != BTF_VERSION ||
	    hdr->hdr_len < sizeof(*hdr) || hdr->hdr_len > len) {
		pr_err("BTF: bad header (magic %#x version %u hdr_len %u, %zu bytes)\n",
		       hdr->magic, hdr->version, hdr->hdr_len, len);
		return -EINVAL;
	}
	len -= hdr->hdr_len;
	if ((u64)hdr->type_off + hdr->type_len > len ||
	    (u64)hdr->str_off + hdr->str_len > len || hdr->str_len == 0) {
		pr_err("BTF: sections outside the data (types %u+%u, strings %u+%u, %zu bytes)\n",
		       hdr->type_off, hdr->type_len, hdr->str_off, hdr->str_len, len);
		return -EINVAL;
	}
	btf->types = (const u8 *)btf->data + hdr->hdr_len + hdr->type_off;
	btf->strs = (const char *)btf->data + hdr->hdr_len + hdr->str_off;
	btf->str_len = hdr->str_len;
	if (btf->strs[0] != '\0' || btf->strs[btf->str_len - 1] != '\0') {
		pr_err("BTF: string section not NUL-delimited\n");
		return -EINVAL;
	}
	type_len = hdr->type_len;

	/* first pass: count, and check every record fits */
	for (pos = 0, n = 0; pos < type_len; n++) {
		const struct btf_type *t = (const void *)(btf->types + pos);
		long extra;

		if (type_len - pos < sizeof(*t))
			goto truncated;
		extra = tm_extra_bytes(t->info);
		if (extra < 0) {
			pr_err("BTF: type %u has kind %u, unknown to this reader\n", n + 1,
			       TM_KIND(t->info));
			return -EINVAL;
		}
		if ((u64)type_len - pos - sizeof(*t) < (u64)extra)
			goto truncated;
		if (t->name_off >= btf->str_len) {
			pr_err("BTF: type %u names string %u past the string section\n", n + 1,
			       t->name_off);
			return -EINVAL;
		}
		pos += sizeof(*t) + extra;
	}
	btf->type_off = kvmalloc_array(n + 1, sizeof(u32), GFP_KERNEL);
	if (!btf->type_off)
		return -ENOMEM;
	btf->nr_types = n;
	btf->type_off[0] = 0;
	for (pos = 0, n = 1; pos < type_len; n++) {
		const struct btf_type *t = (const void *)(btf->types + pos);

		btf->type_off[n] = pos;
		pos += sizeof(*t) + tm_extra_bytes(t->info);
	}
	return 0;

truncated:
	pr_err("BTF: type %u runs past the type section\n", n + 1);
	return -EINVAL;
}

int tm_btf_load(struct tm_btf **out)
{
	struct tm_btf *btf;
	size_t len;
	int ret;

	btf = kzalloc(sizeof(*btf), GFP_KERNEL);
	if (!btf)
		return -ENOMEM;
	ret = tm_btf_read_file(&btf->data, &len);
	if (ret) {
		pr_err("BTF: reading %s failed (%d)\n", TM_BTF_PATH, ret);
		goto err_free;
	}
	ret = tm_btf_index(btf, len);
	if (ret)
		goto err_data;
	*out = btf;
	return 0;

err_data:
	kvfree(btf->type_off);
	kvfree(btf->data);
err_free:
	kfree(btf);
	return ret;
}

void tm_btf_free(struct tm_btf *btf)
{
	if (!btf)
		return;
	kvfree(btf->type_off);
	kvfree(btf->data);
	kfree(btf);
}

int tm_btf_struct(const struct tm_btf *btf, const char *name, u32 *id, u32 *size)
{
	u32 i, found = 0;

	for (i = 1; i <= btf->nr_types; i++) {
		const struct btf_type *t = tm_type(btf, i);

		if (TM_KIND(t->info) != TM_KIND_STRUCT ||
		    strcmp(tm_name(btf, t->name_off), name))
			continue;
		if (found)
			return -ENOTUNIQ;
		found = i;
	}
	if (!found)
		return -ENOENT;
	*id = found;
	*size = tm_type(btf, found)->size;
	return 0;
}

bool tm_btf_has_func(const struct tm_btf *btf, const char *name)
{
	u32 i;

	for (i = 1; i <= btf->nr_types; i++) {
		const struct btf_type *t = tm_type(btf, i);

		if (TM_KIND(t->info) == TM_KIND_FUNC &&
		    !strcmp(tm_name(btf, t->name_off), name))
			return true;
	}
	return false;
}

/* Skip typedef/qualifiers/type tags; NULL if the chain is broken or loops. */
static const struct btf_type *tm_resolve(const struct tm_btf *btf, u32 id, u32 *rid)
{
	int hops;

	for (hops = 0; hops < 32; hops++) {
		const struct btf_type *t = tm_type(btf, id);

		if (!t)
			return NULL;
		switch (TM_KIND(t->info)) {
		case TM_KIND_TYPEDEF:
		case TM_KIND_VOLATILE:
		case TM_KIND_CONST:
		case TM_KIND_RESTRICT:
		case TM_KIND_TYPE_TAG:
			id = t->type;
			continue;
		default:
			if (rid)
				*rid = id;
			return t;
		}
	}
	return NULL;
}

static int tm_type_size(const struct tm_btf *btf, u32 id, int depth, u64 *size)
{
	const struct btf_type *t = tm_resolve(btf, id, NULL);
	const struct btf_array *a;
	u64 elem;
	int ret;

	if (!t || depth > TM_BTF_MAX_DEPTH)
		return -EINVAL;
	switch (TM_KIND(t->info)) {
	case TM_KIND_INT:
	case TM_KIND_STRUCT:
	case TM_KIND_UNION:
	case TM_KIND_ENUM:
	case TM_KIND_ENUM64:
	case TM_KIND_FLOAT:
		*size = t->size;
		return 0;
	case TM_KIND_PTR:
		*size = sizeof(void *);
		return 0;
	case TM_KIND_ARRAY:
		a = (const struct btf_array *)(t + 1);
		ret = tm_type_size(btf, a->type, depth + 1, &elem);
		if (ret)
			return ret;
		*size = elem * a->nelems;
		return 0;
	default:
		return -EINVAL;
	}
}

/* Fill @out for member @m of a struct/union at bit position @base. */
static int tm_fill(const struct tm_btf *btf, const struct btf_type *parent,
		   const struct btf_member *m, u64 base, struct tm_member *out)
{
	u64 bitpos = base, size;
	u32 bits = 0;
	const struct btf_type *t;
	int ret;

	ret = tm_type_size(btf, m->type, 0, &size);
	if (ret)
		return ret;
	if (TM_KFLAG(parent->info)) {
		bitpos += BTF_MEMBER_BIT_OFFSET(m->offset);
		bits = BTF_MEMBER_BITFIELD_SIZE(m->offset);
	} else {
		bitpos += m->offset;
		t = tm_resolve(btf, m->type, NULL);
		if (t && TM_KIND(t->info) == TM_KIND_INT) {
			u32 enc = *(const u32 *)(t + 1);

			if (BTF_INT_BITS(enc) != size * 8) {
				bitpos += BTF_INT_OFFSET(enc);
				bits = BTF_INT_BITS(enc);
			}
		}
	}
	if (size == 0 || size > U32_MAX || bitpos / 8 > U32_MAX)
		return -EINVAL;
	out->size = size;
	out->bits = bits;
	if (bits) {
		/* storage unit: the aligned unit of the member's type holding it */
		u64 unit = bitpos / (size * 8) * size;

		if (bitpos + bits > (unit + size) * 8)
			return -EINVAL;	/* straddles its unit: not expressible */
		out->offset = unit;
		out->bit_offset = bitpos - unit * 8;
	} else {
		if (bitpos % 8)
			return -EINVAL;
		out->offset = bitpos / 8;
		out->bit_offset = 0;
	}
	return 0;
}

/* Depth-first search; counts matches so that an ambiguous name fails. */
static int tm_find(const struct tm_btf *btf, u32 id, const char *name, u64 base,
		   int depth, struct tm_member *out, int *matches)
{
	const struct btf_type *t = tm_resolve(btf, id, NULL);
	const struct btf_member *m;
	u32 i, vlen;
	int ret;

	if (!t || depth > TM_BTF_MAX_DEPTH)
		return -EINVAL;
	if (TM_KIND(t->info) != TM_KIND_STRUCT && TM_KIND(t->info) != TM_KIND_UNION)
		return -EINVAL;
	m = (const struct btf_member *)(t + 1);
	vlen = TM_VLEN(t->info);
	for (i = 0; i < vlen; i++, m++) {
		const char *mname = tm_name(btf, m->name_off);
		const struct btf_type *mt;
		u64 moff;

		if (!mname)
			return -EINVAL;
		if (mname[0]) {
			if (strcmp(mname, name))
				continue;
			if (++*matches == 1) {
				ret = tm_fill(btf, t, m, base, out);
				if (ret)
					return ret;
			}
			continue;
		}
		/* anonymous member: a struct or union, named type or not (7.2) */
		mt = tm_resolve(btf, m->type, NULL);
		if (!mt || (TM_KIND(mt->info) != TM_KIND_STRUCT &&
			    TM_KIND(mt->info) != TM_KIND_UNION))
			continue;
		moff = TM_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
		ret = tm_find(btf, m->type, name, base + moff, depth + 1, out, matches);
		if (ret)
			return ret;
	}
	return 0;
}

int tm_btf_member(const struct tm_btf *btf, u32 struct_id, const char *member,
		  struct tm_member *out)
{
	int matches = 0;
	int ret;

	ret = tm_find(btf, struct_id, member, 0, 0, out, &matches);
	if (ret)
		return ret;
	if (!matches)
		return -ENOENT;
	return matches > 1 ? -ENOTUNIQ : 0;
}
