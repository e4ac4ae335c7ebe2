/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-module reader for the running kernel's BTF (/sys/kernel/btf/vmlinux):
 * find a struct by name and a member by name, descending into anonymous
 * members, with bitfield positions. Used once at load time.
 */
#ifndef TCPMEM_BTF_H
#define TCPMEM_BTF_H

#include <linux/types.h>

struct tm_btf;

/* Where a member lives inside its (outermost) struct. */
struct tm_member {
	u32 offset;		/* byte offset of the member (or its storage unit) */
	u32 size;		/* bytes of the member's type (storage unit for bitfields) */
	u32 bit_offset;		/* bitfields: bit position inside the storage unit */
	u32 bits;		/* bitfields: width; 0 for ordinary members */
};

int tm_btf_load(struct tm_btf **out);
void tm_btf_free(struct tm_btf *btf);
u32 tm_btf_nr_types(const struct tm_btf *btf);

/* 0 with the id and size filled in on success; -ENOENT if absent, -ENOTUNIQ if ambiguous. */
int tm_btf_struct(const struct tm_btf *btf, const char *name, u32 *id, u32 *size);
/* true if the BTF describes a function of that name */
bool tm_btf_has_func(const struct tm_btf *btf, const char *name);
/* 0 on success; -ENOENT if absent, -ENOTUNIQ if ambiguous, -EINVAL if malformed. */
int tm_btf_member(const struct tm_btf *btf, u32 struct_id, const char *member,
		  struct tm_member *out);

#endif /* TCPMEM_BTF_H */
