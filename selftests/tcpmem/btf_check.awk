# SPDX-License-Identifier: GPL-2.0
# Check tcpmem's debugfs `layout` records against an independent parse of
# the same BTF: `bpftool btf dump file /sys/kernel/btf/vmlinux format raw`.
# Usage: awk -f btf_check.awk btf.raw layout.txt
# Prints one line per record: "ok <record>" or "bad <record> (expected ...)".

function resolve(id,    h)
{
	for (h = 0; h < 32; h++) {
		if (kind[id] ~ /^(TYPEDEF|VOLATILE|CONST|RESTRICT|TYPE_TAG)$/)
			id = tid[id]
		else
			return id
	}
	return -1
}

function tsize(id)
{
	id = resolve(id)
	if (kind[id] == "PTR")
		return 8
	if (kind[id] == "ARRAY")
		return nelems[id] * tsize(tid[id])
	return size[id]
}

# depth-first search for member @m of struct/union @id at bit @base;
# sets F_POS, F_TYPE, F_BITS for the first match, counts matches in NM
function find(id, m, base,    i, t)
{
	id = resolve(id)
	for (i = 0; i < nmem[id]; i++) {
		if (mname[id, i] == m) {
			if (++NM == 1) {
				F_POS = base + moff[id, i]
				F_TYPE = mtype[id, i]
				F_BITS = mbits[id, i]
			}
		} else if (mname[id, i] == "(anon)") {
			t = resolve(mtype[id, i])
			if (kind[t] == "STRUCT" || kind[t] == "UNION")
				find(t, m, base + moff[id, i])
		}
	}
}

function kv(s, key,    r)
{
	if (match(s, " " key "=[^ ]+")) {
		r = substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
		return r
	}
	return ""
}

# fkv(key): the value of field "key=value" of the current line ("" if none);
# field scans, not regular expressions: busybox awk compiles a dynamic
# regex on every match(), and the raw dump has ~300,000 lines (this part
# took minutes under emulation)
function fkv(key,    i, p)
{
	for (i = 2; i <= NF; i++) {
		p = index($i, "=")
		if (p && substr($i, 1, p - 1) == key)
			return substr($i, p + 1)
	}
	return ""
}

BEGIN {
	split("STRUCT UNION INT ENUM ENUM64 FLOAT PTR ARRAY TYPEDEF VOLATILE CONST RESTRICT TYPE_TAG", kk, " ")
	for (i in kk)
		kept[kk[i]] = 1
}

# a type: "[ID] KIND 'name' key=value...". Only the kinds the checks can
# reach are stored: FUNC names, and what resolve(), tsize() and find() walk
FNR == NR && substr($0, 1, 1) == "[" {
	cur = substr($1, 2, length($1) - 2) + 0
	k = $2
	inrec = 0
	if (k == "FUNC") {
		p = index($0, "'")
		q = substr($0, p + 1)
		funcs[substr(q, 1, index(q, "'") - 1)] = 1
		next
	}
	if (!(k in kept))
		next
	kind[cur] = k
	# one pass over the key=value fields
	for (i = 3; i <= NF; i++) {
		p = index($i, "=")
		if (!p)
			continue
		key = substr($i, 1, p - 1)
		if (key == "size")
			size[cur] = substr($i, p + 1)
		else if (key == "type_id")
			tid[cur] = substr($i, p + 1)
		else if (key == "nr_elems")
			nelems[cur] = substr($i, p + 1)
		else if (key == "nr_bits")
			ibits[cur] = substr($i, p + 1)
		else if (key == "bits_offset")
			ioff[cur] = substr($i, p + 1)
	}
	nmem[cur] = 0
	if (k == "STRUCT" || k == "UNION") {
		inrec = 1
		p = index($0, "'")
		q = substr($0, p + 1)
		nm = substr(q, 1, index(q, "'") - 1)
		if (k == "STRUCT") {
			if ((nm, "n") in sid)
				dup[nm] = 1
			sid[nm, "n"] = cur
		}
	}
	next
}

# a member of the last struct or union: "\t'name' type_id=N bits_offset=N
# [bitfield_size=N]" (other kinds' member lines: enum values, parameters)
FNR == NR {
	if (!inrec)
		next
	i = nmem[cur]++
	mname[cur, i] = substr($1, 2, length($1) - 2)
	# the fields in bpftool's order; any other order: by key
	if (substr($2, 1, 8) == "type_id=" && substr($3, 1, 12) == "bits_offset=" &&
	    (NF == 3 || substr($4, 1, 14) == "bitfield_size=")) {
		mtype[cur, i] = substr($2, 9)
		moff[cur, i] = substr($3, 13)
		mbits[cur, i] = NF == 3 ? 0 : substr($4, 15)
	} else {
		mtype[cur, i] = fkv("type_id")
		moff[cur, i] = fkv("bits_offset")
		b = fkv("bitfield_size")
		mbits[cur, i] = b == "" ? 0 : b
	}
	next
}

# layout records
/^memcg=/ { next }

/^func=/ {
	f = kv(" " $0, "func")
	want = "func=" f " present=" ((f in funcs) ? 1 : 0)
	print (want == $0 ? "ok " : "bad ") $0 (want == $0 ? "" : " (bpftool: " want ")")
	next
}

/^slabinfo_approx=/ {
	b = ("count_partial_free_approx" in funcs) ? 1 : 0
	want = "slabinfo_approx=" (kv(" " $0, "by_version") + 0 || b ? 1 : 0) \
	       " by_version=" kv(" " $0, "by_version") " by_btf=" b
	print (want == $0 ? "ok " : "bad ") $0 (want == $0 ? "" : " (bpftool: " want ")")
	next
}

{
	s = kv(" " $0, "struct")
	m = kv(" " $0, "member")
	if (!((s, "n") in sid) || (s in dup)) {
		if ($0 ~ / absent$/)
			print "ok " $0
		else
			print "bad " $0 " (no unique struct " s " in BTF)"
		next
	}
	id = sid[s, "n"]
	if (m == "") {
		want = "struct=" s " size=" size[id]
	} else {
		NM = 0
		find(id, m, 0)
		if (NM == 0) {
			want = "struct=" s " member=" m " absent"
		} else if (NM > 1) {
			want = "ambiguous"
		} else {
			sz = tsize(F_TYPE)
			bits = F_BITS
			pos = F_POS
			t = resolve(F_TYPE)
			if (bits == 0 && kind[t] == "INT" && ibits[t] != sz * 8) {
				bits = ibits[t]
				pos += ioff[t]
			}
			if (bits > 0) {
				unit = int(pos / (sz * 8)) * sz
				want = "struct=" s " member=" m " offset=" unit " size=" sz \
				       " bit_offset=" (pos - unit * 8) " bits=" bits
			} else {
				want = "struct=" s " member=" m " offset=" (pos / 8) " size=" sz
			}
		}
	}
	if (want == $0)
		print "ok " $0
	else
		print "bad " $0 " (bpftool: " want ")"
}
