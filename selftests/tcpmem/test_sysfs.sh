#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The caches view against SLUB's own sysfs files, cache by cache:
# geometry (object_size, slab_size, align, objs_per_slab, order), per-node
# slabs and objects (mm/slub.c show_slab_objects: "slabs" = nr_slabs,
# "total_objects" = total objects, "objects" = total minus the free
# objects counted on the partial lists, "partial" = partial slabs; each
# "TOTAL N0=.. N1=..", a node at 0 left out); what tcpmem says is not on
# this kernel (present=0: no such name in /sys/kernel/slab nor in
# /proc/slabinfo); and used_objs=na against BTF (struct kmem_cache with
# neither cpu_slab nor cpu_sheaves: no per-CPU free objects to count).
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_sysverdicts
: > $V
SYS=/sys/kernel/slab
tm_fresh_load

# kv FIELD: the value of FIELD in the record in $rec
kv()
{
	echo " $rec" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"
}

# node_list FILE: a show_slab_objects file as "total n0 n1 ..." for every
# node of $nodes (a node the kernel left out is 0)
node_list()
{
	awk -v nodes="$nodes" '{
		s = $1
		for (i = 2; i <= NF; i++) if ($i ~ /^N[0-9]+=/) { split(substr($i, 2), a, "="); v[a[1]] = a[2] }
		n = split(nodes, id, " ")
		for (i = 1; i <= n; i++) s = s " " (v[id[i]] + 0)
		print s
	}' "$1"
}

nodes=$(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//' | sort -n | tr '\n' ' ')
cat $TM_DBG/caches > /tmp/tm_sc

# ---- geometry ----------------------------------------------------------------
while read -r rec; do
	t=$(kv type)
	[ "$(kv present)" = 1 ] || continue
	c=$(kv cache)
	d=$SYS/$c
	if [ ! -e "$d/slab_size" ]; then
		echo "bad geometry type=$t: tcpmem says it lives in $c, $d has no slab_size" >> $V
		continue
	fi
	order=$(cat "$d/order")
	k="$(cat "$d/object_size") $(cat "$d/slab_size") $(cat "$d/align") $(cat "$d/objs_per_slab") $((1 << order)) $(($(cat "$d/slab_size") - $(cat "$d/object_size")))"
	m="$(kv object_size) $(kv objsize) $(kv align) $(kv objperslab) $(kv pagesperslab) $(kv padding)"
	if [ "$k" = "$m" ]; then
		echo "ok geometry type=$t cache=$c: object_size slab_size align objs_per_slab pages padding = $k" >> $V
	else
		echo "bad geometry type=$t cache=$c: sysfs [$k] tcpmem [$m] (object_size slab_size align objs_per_slab pages padding)" >> $V
	fi
done < /tmp/tm_sc

# ---- per node, against slabs/total_objects/objects/partial -------------------
# read the cache's four files, tcpmem's nodes file, the four files again,
# back to back, until the two sysfs readings agree
check_nodes()
{
	t=$1
	c=$2
	d=$SYS/$c
	tries=0
	while [ $tries -lt 30 ]; do
		"$TM_DIR/readfiles" /tmp/tm_y $d/slabs $d/total_objects $d/objects $d/partial \
			$TM_DBG/caches_nodes $d/slabs $d/total_objects $d/objects $d/partial
		same=1
		for i in 1 2 3 4; do
			cmp -s /tmp/tm_y.$i /tmp/tm_y.$((i + 5)) || same=0
		done
		[ $same = 1 ] && break
		tries=$((tries + 1))
		sleep 0.2
	done
	if [ $same = 0 ]; then
		echo "bad nodes-sysfs type=$t: $d never held still in 30 reads" >> $V
		return
	fi
	for i in 1 2 3 4; do
		node_list /tmp/tm_y.$i
	done > /tmp/tm_yk
	# tcpmem's node records of this type (the first set if named twice)
	awk -v t="type=$t" -v nodes="$nodes" '
	$1 != t { next }
	{ delete r; for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] } }
	r["node"] == "all" { if (seen++) exit; next }
	{
		nd = r["node"]; s[nd] = r["slabs"]; o[nd] = r["objs"]
		u[nd] = r["objs"] - r["partial_free_exact"]; p[nd] = r["partial_slabs"]
		ts += s[nd]; to += o[nd]; tu += u[nd]; tp += p[nd]
	}
	END {
		n = split(nodes, id, " ")
		a = ts; b = to; c = tu; d = tp
		for (i = 1; i <= n; i++) {
			a = a " " s[id[i]] + 0; b = b " " o[id[i]] + 0
			c = c " " u[id[i]] + 0; d = d " " p[id[i]] + 0
		}
		print a; print b; print c; print d
	}' /tmp/tm_y.5 > /tmp/tm_ym
	if cmp -s /tmp/tm_yk /tmp/tm_ym; then
		echo "ok nodes-sysfs type=$t cache=$c: slabs, total_objects, objects, partial (total, per node $nodes) = $(tr '\n' ';' < /tmp/tm_ym)" >> $V
	else
		echo "bad nodes-sysfs type=$t cache=$c: sysfs [$(tr '\n' ';' < /tmp/tm_yk)] tcpmem [$(tr '\n' ';' < /tmp/tm_ym)] (slabs; total_objects; objects; partial)" >> $V
	fi
}

while read -r rec; do
	[ "$(kv present)" = 1 ] || continue
	[ -e "$SYS/$(kv cache)/slabs" ] || continue	# reported above
	check_nodes "$(kv type)" "$(kv cache)"
done < /tmp/tm_sc

# ---- not on this kernel ------------------------------------------------------
# lsm_sock, lsm_inode, lsm_file are uses (LSM blobs), not cache names
labels=" lsm_sock lsm_inode lsm_file "
while read -r rec; do
	[ "$(kv present)" = 0 ] || continue
	t=$(kv type)
	case $labels in
	*" $t "*)
		echo "skip absent-$t a label for LSM blobs, not a cache name: nothing in /sys/kernel/slab to check" >> $V
		continue ;;
	esac
	if [ -e "$SYS/$t" ]; then
		echo "bad absent type=$t: tcpmem says not on this kernel, $SYS/$t exists" >> $V
	elif grep -q "^$t " /proc/slabinfo; then
		echo "bad absent type=$t: tcpmem says not on this kernel, /proc/slabinfo has it" >> $V
	else
		echo "ok absent type=$t: neither $SYS/$t nor a /proc/slabinfo line" >> $V
	fi
done < /tmp/tm_sc
grep -q ' present=0' /tmp/tm_sc ||
	echo "# every tracked type is present on this kernel" >> $V

# ---- used_objs=na: does the kernel have per-CPU free objects? -----------------
if ! command -v bpftool > /dev/null; then
	echo "skip used-objs bpftool not in this image: no independent view of struct kmem_cache" >> $V
else
	percpu=$(awk '
	/^\[[0-9]+\] / { in_kc = ($2 == "STRUCT" && $3 == "'"'"'kmem_cache'"'"'"); next }
	in_kc && ($1 == "'"'"'cpu_slab'"'"'" || $1 == "'"'"'cpu_sheaves'"'"'") { m = m " " $1 }
	END { gsub("'"'"'", "", m); print m }' "$(tm_btf_raw)")
	# a CPU may move under a read 5 times in a row: a few reads
	tries=0
	while [ $tries -lt 10 ]; do
		cat $TM_DBG/caches > /tmp/tm_sc
		na=$(grep ' present=1 ' /tmp/tm_sc | grep -c ' used_objs=na ')
		all=$(grep -c ' present=1 ' /tmp/tm_sc)
		{ [ -n "$percpu" ] && [ "$na" = 0 ]; } && break
		{ [ -z "$percpu" ] && [ "$na" = "$all" ]; } && break
		tries=$((tries + 1))
		sleep 0.2
	done
	if [ -n "$percpu" ] && [ "$na" = 0 ]; then
		echo "ok used-objs: struct kmem_cache has$percpu (BTF): used_objs of all $all present types counted" >> $V
	elif [ -z "$percpu" ] && [ "$na" = "$all" ]; then
		echo "ok used-objs: struct kmem_cache has neither cpu_slab nor cpu_sheaves (BTF): used_objs=na for all $all" >> $V
	else
		echo "bad used-objs: struct kmem_cache per-CPU members [${percpu# }], $na of $all present types used_objs=na in 10 reads" >> $V
	fi
fi
tm_unload

ktap_verdicts $V
ktap_finish
