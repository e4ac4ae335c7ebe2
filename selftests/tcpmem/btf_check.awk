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

FNR == NR && /^\[[0-9]+\] / {
	cur = substr($1, 2, length($1) - 2) + 0
	kind[cur] = $2
	match($0, /'[^']*'/)
	name[cur] = substr($0, RSTART + 1, RLENGTH - 2)
	size[cur] = kv($0, "size")
	tid[cur] = kv($0, "type_id")
	nelems[cur] = kv($0, "nr_elems")
	if (kind[cur] == "INT") {
		ibits[cur] = kv($0, "nr_bits")
		ioff[cur] = kv($0, "bits_offset")
	}
	if (kind[cur] == "FUNC")
		funcs[name[cur]] = 1
	if (kind[cur] == "STRUCT") {
		if ((name[cur], "n") in sid)
			dup[name[cur]] = 1
		sid[name[cur], "n"] = cur
	}
	nmem[cur] = 0
	next
}

FNR == NR && /^\t'/ {
	if (kind[cur] != "STRUCT" && kind[cur] != "UNION")
		next
	i = nmem[cur]++
	match($0, /'[^']*'/)
	mname[cur, i] = substr($0, RSTART + 1, RLENGTH - 2)
	mtype[cur, i] = kv($0, "type_id")
	moff[cur, i] = kv($0, "bits_offset")
	b = kv($0, "bitfield_size")
	mbits[cur, i] = b == "" ? 0 : b
	next
}

FNR == NR { next }

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
