#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The caches view against the kernel's own files: /proc/slabinfo columns,
# per-node sums, /sys/kernel/slab aliases, the cost arithmetic, and the
# per-CPU "used" figure against the live socket count.
. "$(dirname "$0")/lib.sh"

# two caches named by the parameter: a busy kmalloc one, and a quiet one that
# is never merged (SLAB_TYPESAFE_BY_RCU) and holds nothing in this test; not
# names_cache, which every path lookup of the test itself moves
EXTRA=kmalloc-192,tw_sock_TCPv6
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
V=/tmp/tm_verdicts
: > $V

tm_unload
if ! insmod "$TCPMEM_KO" extra_caches=$EXTRA; then
	ktap_plan 1
	ktap_fail "insmod extra_caches=$EXTRA"
	ktap_finish
fi

# KASAN keeps freed objects in a quarantine: slabinfo counts them active
# until the cache is shrunk (kasan_cache_shrink), so shrink before reading
kasan=0
grep -qw kasan_report /proc/kallsyms && kasan=1	# not dmesg: the boot line may have left the ring

# read3: /proc/slabinfo, the module's caches, /proc/slabinfo, back to back
read3()
{
	"$TM_DIR/readfiles" /tmp/tm_q /proc/slabinfo $TM_DBG/caches /proc/slabinfo
	cp /tmp/tm_q.1 /tmp/si_a
	cp /tmp/tm_q.2 /tmp/tm_c
	cp /tmp/tm_q.3 /tmp/si_b
}

# quiescent_read CACHE...: read3 until the kernel's lines for CACHEs did not
# move between its two reads
quiescent_read()
{
	tries=0
	while [ $tries -lt 30 ]; do
		read3
		same=1
		for n in "$@"; do
			a=$(grep "^$n " /tmp/si_a)
			b=$(grep "^$n " /tmp/si_b)
			[ "$a" = "$b" ] || { same=0; break; }
		done
		[ $same = 1 ] && return 0
		tries=$((tries + 1))
		sleep 0.2
	done
	return 1
}

# check_slabinfo: per type, the seven slabinfo columns equal the kernel's,
# from a read in which that type's cache line was the same before and after
check_slabinfo()
{
	: > /tmp/tm_done
	tries=0
	while [ $tries -lt 30 ]; do
		read3
		awk '
		FILENAME ~ /tm_done$/ { done[$1] = 1; next }
		FILENAME ~ /si_a$/ { if (FNR > 2) a[$1] = $2 " " $3 " " $4 " " $5 " " $6 " " $14 " " $15
			next }
		FILENAME ~ /si_b$/ { if (FNR > 2) b[$1] = $2 " " $3 " " $4 " " $5 " " $6 " " $14 " " $15
			next }
		{
			delete r
			for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
			t = r["type"]
			if (t in done) next
			if (r["present"] == 0) {
				print "skip slabinfo-type=" t " not on this kernel"
				print t >> "/tmp/tm_done"
				next
			}
			c = r["cache"]
			if (a[c] != b[c]) next	# moving: try again
			got = r["active_objs"] " " r["num_objs"] " " r["objsize"] " " r["objperslab"] \
			      " " r["pagesperslab"] " " r["active_slabs"] " " r["num_slabs"]
			if (a[c] == got)
				print "ok slabinfo type=" t " (" c ": " got ")"
			else
				print "bad slabinfo type=" t " cache=" c " slabinfo=[" a[c] "] tcpmem=[" got "]"
			print t >> "/tmp/tm_done"
		}' /tmp/tm_done /tmp/si_a /tmp/si_b /tmp/tm_c >> $V
		# (a type may be named twice: as a default and in extra_caches)
		[ "$(wc -l < /tmp/tm_done)" -ge "$(sed 's/ .*//' /tmp/tm_c | sort -u | wc -l)" ] &&
			return
		tries=$((tries + 1))
		sleep 0.2
	done
	sed 's/^type=\([^ ]*\) .*/\1/' /tmp/tm_c | while read -r t; do
		grep -qx "$t" /tmp/tm_done ||
			echo "bad slabinfo type=$t: its cache never held still in 30 reads" >> $V
	done
}

check_slabinfo

# per node: sums equal totals, every node of the machine appears
nodes=$(tm_count_list "$(cat /sys/devices/system/node/has_normal_memory)")
cat $TM_DBG/caches_nodes > /tmp/tm_n
awk -v nodes="$nodes" '
{ delete r; for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] } }
/node=all/ {	# a type: its node records follow (a name may come twice)
	n++; t[n] = r["type"]; tot[n] = r["slabs"] " " r["objs"] " " r["partial_free"]
	next
}
{ s[n] += r["slabs"]; o[n] += r["objs"]; f[n] += r["partial_free"]; cnt[n]++ }
END {
	for (k = 1; k <= n; k++) {
		got = s[k] + 0 " " o[k] + 0 " " f[k] + 0
		if (got == tot[k] && cnt[k] == nodes)
			print "ok nodes type=" t[k] ": " cnt[k] " nodes sum to " got
		else
			print "bad nodes type=" t[k] ": " cnt[k] "/" nodes " nodes sum to [" got "] total [" tot[k] "]"
	}
}' /tmp/tm_n >> $V

# aliases: every symlink in /sys/kernel/slab with the same target as the cache
for l in /sys/kernel/slab/*; do
	[ -L "$l" ] && echo "${l##*/} $(readlink "$l")"
done > /tmp/tm_links
awk '
FNR == NR { tgt[$1] = $2; next }
/present=0/ { next }
{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
	c = r["cache"]; t = r["type"]; list = ""; n = 0
	if (c in tgt) {
		for (l in tgt)
			if (l != c && tgt[l] == tgt[c]) names[++n] = l
		for (i = 1; i <= n; i++)	# sort
			for (j = i + 1; j <= n; j++)
				if (names[j] < names[i]) { x = names[i]; names[i] = names[j]; names[j] = x }
		for (i = 1; i <= n; i++) list = list (i > 1 ? "," : "") names[i]
	}
	if (list == "") list = "-"
	inlist = ("," list ",") ~ ("," t ",")
	if (r["label"] == 1) t = c	# a use (lsm_sock), not a cache name
	if (r["aliases"] != list)
		print "bad aliases type=" t " cache=" c ": tcpmem [" r["aliases"] "] sysfs [" list "]"
	else if (t != c && !inlist)
		print "bad aliases type=" t " lives in " c " but sysfs does not list it as an alias"
	else if (t != c && r["merged"] != 1)
		print "bad aliases type=" t " lives in " c " but merged=" r["merged"]
	else
		print "ok aliases type=" t " cache=" c " merged=" r["merged"] " aliases=" list
}' /tmp/tm_links /tmp/tm_c >> $V

# caches found through a data symbol (a name kallsyms may hold twice): the
# cache shown is the one /sys/kernel/slab/<type> stands for
for t in eventpoll_epi eventpoll_pwq ep_head skbuff_head_cache; do
	rec=$(grep "^type=$t " /tmp/tm_c)
	c=$(echo "$rec" | sed -n 's/.* cache=\([^ ]*\) .*/\1/p')
	if [ ! -e /sys/kernel/slab/$t ]; then
		case "$rec" in
		*" present=0"*) echo "ok symbol-cache type=$t: not on this kernel (no /sys/kernel/slab/$t)" ;;
		*) echo "bad symbol-cache type=$t: shown as $c, but /sys/kernel/slab has no $t" ;;
		esac
	elif [ -z "$c" ]; then
		echo "bad symbol-cache type=$t: not shown ($rec), /sys/kernel/slab/$t exists"
	elif [ "$(readlink -f /sys/kernel/slab/$t)" = "$(readlink -f /sys/kernel/slab/$c)" ]; then
		echo "ok symbol-cache type=$t: $c, as /sys/kernel/slab/$t -> $(readlink -f /sys/kernel/slab/$t)"
	else
		echo "bad symbol-cache type=$t: shown in $c, but /sys/kernel/slab/$t -> $(readlink -f /sys/kernel/slab/$t)"
	fi
done >> $V

# merged types are absent from /proc/slabinfo under their own name
awk '
FNR == NR { if (NR > 2) si[$1] = 1; next }
/present=0/ { next }
{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
	if (!(r["cache"] in si))
		print "bad lives-in type=" r["type"] ": /proc/slabinfo has no line " r["cache"]
	else if (r["label"] != 1 && r["type"] != r["cache"] && (r["type"] in si))
		print "bad lives-in type=" r["type"] " shown in slabinfo under its own name too"
	else
		print "ok lives-in type=" r["type"] " is shown in /proc/slabinfo as " r["cache"]
}' /tmp/si_a /tmp/tm_c >> $V

# the cost arithmetic, recomputed from the same record: slabs at the
# preferred order (S bytes, objperslab objects) and at the fallback one
awk -v page="$page" '
/present=0/ { next }
{
	for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
	S = r["pagesperslab"] * page
	Smin = r["min_pagesperslab"] * page
	hi = r["slabs_hi"]; lo = r["slabs_lo"]
	B = hi * S + lo * Smin
	eff = sprintf("%.3f", r["num_objs"] ? B / r["num_objs"] : S / r["objperslab"])
	w = S - r["objperslab"] * r["objsize"]
	wmin = Smin - r["min_objperslab"] * r["objsize"]
	waste = hi + lo ? int((hi * w + lo * wmin) / (hi + lo) + 0.5) : w
	pad = r["objsize"] - r["object_size"]
	if (hi + lo == r["num_slabs"] && r["slab_bytes"] == S && r["min_slab_bytes"] == Smin &&
	    r["bytes"] == B && r["eff_bytes"] == eff && r["tail_waste"] == waste && r["padding"] == pad)
		print "ok cost type=" r["type"] ": S=" S " hi=" hi " lo=" lo " B=" B " E=" eff " waste=" waste " padding=" pad
	else
		print "bad cost type=" r["type"] ": want S=" S " Smin=" Smin " B=" B " E=" eff " waste=" waste " pad=" pad \
		      " slabs=" r["num_slabs"] " got " r["slab_bytes"] " " r["min_slab_bytes"] " " r["bytes"] " " \
		      r["eff_bytes"] " " r["tail_waste"] " " r["padding"] " hi+lo=" hi + lo
}' /tmp/tm_c >> $V

# used_objs: after 2000 sockets opened (and while they are held), and after
# they are closed, used <= active, and TCP's used equals the live sockets.
check_used()
{
	tag=$1
	if [ $kasan = 1 ]; then
		echo 1 > /sys/kernel/slab/TCP/shrink
		echo 1 > /sys/kernel/slab/TCPv6/shrink
	fi
	quiescent_read TCP TCPv6 || { echo "bad $tag: TCP slabinfo never held still" >> $V; return; }
	live4=$(ss -4tanH | grep -cvE '^(TIME-WAIT|SYN-RECV)')
	live6=$(ss -6tanH | grep -cvE '^(TIME-WAIT|SYN-RECV)')
	awk -v tag="$tag" -v live4="$live4" -v live6="$live6" '
	/present=0/ { next }
	{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
		if (r["used_objs"] == "na") { skipped = skipped " " r["type"]; next }
		if (r["used_objs"] + 0 > r["active_objs"] + 0)
			bad = bad " " r["type"] "(" r["used_objs"] ">" r["active_objs"] ")"
		if (r["type"] == "TCP") tcp = r["used_objs"]
		if (r["type"] == "TCPv6") tcp6 = r["used_objs"]
	}
	END {
		if (skipped != "")
			print "skip " tag ": used_objs not countable on this kernel:" skipped
		else if (bad != "")
			print "bad " tag ": used_objs > active_objs for" bad
		else
			print "ok " tag ": used_objs <= active_objs for every type"
		if (skipped != "")
			exit
		if (tcp == live4)
			print "ok " tag ": TCP used_objs " tcp " = live IPv4 TCP sockets (ss) " live4
		else
			print "bad " tag ": TCP used_objs " tcp " != live IPv4 TCP sockets (ss) " live4
		if (tcp6 == live6)
			print "ok " tag ": TCPv6 used_objs " tcp6 " = live IPv6 TCP sockets (ss) " live6
		else
			print "bad " tag ": TCPv6 used_objs " tcp6 " != live IPv6 TCP sockets (ss) " live6
	}' /tmp/tm_c >> $V
}

tm_tcpload -R est:1000 || echo "bad tcpload could not open 2000 sockets" >> $V
check_used "used-with-2000-sockets-open"
grep -E '^type=(TCP|tw_sock_TCP|sock_inode_cache|filp|dentry) ' /tmp/tm_c > /tmp/tm_c_held
tm_tcpload_stop
sleep 2
check_used "used-after-2000-sockets-closed"
tm_unload

ktap_verdicts $V
ktap_diag "$(cat /tmp/tm_c_held)"
ktap_finish
