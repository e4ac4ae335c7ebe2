#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Nodes, zones and the buddy allocator against /proc/buddyinfo,
# /proc/pagetypeinfo, /proc/zoneinfo, node meminfo and extfrag's
# unusable_index, before and after a large tmpfs file comes and goes.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_zverdicts
: > $V
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
tm_fresh_load

# kernel files (a copy of) in the module's format
buddyinfo()
{
	awk '{ sub(",", "", $2); s = "node=" $2 " zone=" $4 " free=";
	       for (i = 5; i <= NF; i++) s = s (i > 5 ? "," : "") $i; print s }' "$1"
}

pagetypeinfo()
{
	awk '/^Node .*, type / { sub(",", "", $2); sub(",", "", $4);
	       s = "node=" $2 " zone=" $4 " migratetype=" $6 " free=";
	       for (i = 7; i <= NF; i++) s = s (i > 7 ? "," : "") $i; print s }' "$1"
}

zoneinfo()
{
	awk '
	function flush() { if (z != "" && present > 0) print z " present=" present " spanned=" spanned \
		" managed=" managed " free=" free " min=" min " low=" low " high=" high }
	/^Node [0-9]+, zone/ { flush(); sub(",", "", $2); z = "node=" $2 " zone=" $4; present = 0 }
	/^  pages free / { free = $3 }
	/^ +min +[0-9]+$/ { min = $2 }
	/^ +low +[0-9]+$/ { low = $2 }
	/^ +high +[0-9]+$/ { high = $2 }
	/^ +spanned +[0-9]+$/ { spanned = $2 }
	/^ +present +[0-9]+$/ { present = $2 }
	/^ +managed +[0-9]+$/ { managed = $2 }
	END { flush() }' "$1"
}

# compare NAME KERNEL-FN DEBUGFS-FILE: the module's records equal the
# kernel's, read between two kernel reads that agree (all three read back
# to back by one process, so that little else moves the free lists)
compare()
{
	tries=0
	kfile=/proc/${2}
	while [ $tries -lt 100 ]; do
		"$TM_DIR/readfiles" /tmp/tm_q $kfile $TM_DBG/$3 $kfile
		$2 /tmp/tm_q.1 > /tmp/tm_k1
		cp /tmp/tm_q.2 /tmp/tm_m
		$2 /tmp/tm_q.3 > /tmp/tm_k2
		if cmp -s /tmp/tm_k1 /tmp/tm_k2; then
			if cmp -s /tmp/tm_k1 /tmp/tm_m; then
				echo "ok $1: $(wc -l < /tmp/tm_m) records equal (quiescent after $tries retries)" >> $V
			else
				echo "bad $1 differs from the kernel's file" >> $V
				diff /tmp/tm_k1 /tmp/tm_m | head -n 8 | sed 's/^/#/' >> $V
			fi
			return
		fi
		tries=$((tries + 1))
		sleep 0.2
	done
	echo "bad $1: the kernel's file never held still over 100 tries" >> $V
}

# orders: hand-check against the buddy counts they came from
check_orders()
{
	tries=0
	ui=/sys/kernel/debug/extfrag/unusable_index
	[ -r $ui ] || ui=/dev/null
	while [ $tries -lt 100 ]; do
		"$TM_DIR/readfiles" /tmp/tm_q $TM_DBG/buddy $TM_DBG/orders $ui $TM_DBG/buddy
		cp /tmp/tm_q.1 /tmp/tm_b1
		cp /tmp/tm_q.2 /tmp/tm_o
		cp /tmp/tm_q.3 /tmp/tm_u
		cp /tmp/tm_q.4 /tmp/tm_b2
		cmp -s /tmp/tm_b1 /tmp/tm_b2 && break
		tries=$((tries + 1))
		sleep 0.2
	done
	if [ $tries = 100 ]; then
		echo "bad $1: the buddy lists never held still over 100 tries" >> $V
		return
	fi
	awk -v tag="$1" '
	function kv(rec, k,   i, n, a, b) {
		n = split(rec, a, " ")
		for (i = 1; i <= n; i++) { split(a[i], b, "="); if (b[1] == k) return b[2] }
		return ""
	}
	FILENAME ~ /tm_u$/ { for (i = 5; i <= NF; i++) ui[$2 $4, i - 5] = $i; next }
	FILENAME ~ /tm_b1$/ { bud[kv($0, "node") "," kv($0, "zone")] = kv($0, "free"); next }
	$0 ~ /^type=(TCP|TCPv6|tw_sock_TCP|filp|dentry|tcp_bind_bucket) / {
		z = kv($0, "node") "," kv($0, "zone"); ord = kv($0, "order") + 0; mo = kv($0, "min_order") + 0
		n = split(bud[z], c, ",")
		ge = 0; fit = 0; gem = 0; free = 0; p = 1
		for (o = 0; o < n; o++) {	# p = 2^o (busybox awk has no ^)
			cnt = c[o + 1]
			free += cnt * p
			if (o == ord) pord = p
			if (o >= ord) { ge += cnt; fit += cnt * p / pord }
			if (o >= mo) gem += cnt
			p *= 2
		}
		un = free ? int((free - fit * pord) * 1000 / free) : 1000
		want = ge " " fit " " gem " " un
		got = kv($0, "blocks_ge_order") " " kv($0, "blocks_fit_order") " " \
		      kv($0, "blocks_ge_min_order") " " kv($0, "unusable_permille")
		key = kv($0, "type") " order " ord " node " z
		if (want != got) {
			print "bad " tag " " key ": from buddy [" bud[z] "] want " want " got " got
			next
		}
		k = kv($0, "node") "," kv($0, "zone")
		ext = ""
		if ((k, ord) in ui) {
			ext = ", = extfrag unusable_index"
			u = sprintf("%d.%03d", int(un / 1000), un % 1000)
			if (ui[k, ord] != u) {
				print "bad " tag " " key ": extfrag unusable_index " ui[k, ord] " != " u
				next
			}
		}
		print "ok " tag " " key ": " ge " blocks >= order, " fit " fit, unusable " un "/1000" ext
	}' /tmp/tm_u /tmp/tm_b1 /tmp/tm_o > /tmp/tm_ov
	if [ -s /tmp/tm_ov ]; then
		cat /tmp/tm_ov >> $V
	else
		echo "bad $1: no order record could be checked" >> $V
	fi
}

round()
{
	compare "$1 buddy = /proc/buddyinfo" buddyinfo buddy
	compare "$1 pagetypes = /proc/pagetypeinfo" pagetypeinfo pagetypes
	compare "$1 zones = /proc/zoneinfo" zoneinfo zones
	check_orders "$1 orders"
}

round "idle:"

# every online node appears, and its zones' managed pages make MemTotal
for n in $(ls -d /sys/devices/system/node/node[0-9]* | sed 's/.*node//'); do
	zones=$(grep -c "^node=$n " $TM_DBG/zones)
	managed=$(awk -v n="$n" -v page="$page" '$1 == "node=" n {
		split($5, a, "="); s += a[2] } END { print s * page / 1024 }' $TM_DBG/zones)
	memtotal=$(awk '/MemTotal/ { print $4 }' /sys/devices/system/node/node$n/meminfo)
	if [ "$zones" -ge 1 ] && [ "$managed" = "$memtotal" ]; then
		echo "ok node $n: $zones zones, managed $managed kB = node$n MemTotal" >> $V
	else
		echo "bad node $n: $zones zones, managed $managed kB, MemTotal $memtotal kB" >> $V
	fi
done

# a large tmpfs file written and removed moves the free lists a lot
mkdir -p /tmp/tm_tmpfs
mount -t tmpfs -o size=600m tmpfs /tmp/tm_tmpfs
dd if=/dev/zero of=/tmp/tm_tmpfs/f bs=1M count=512 2>/dev/null
round "with 512 MiB in tmpfs:"
rm /tmp/tm_tmpfs/f
umount /tmp/tm_tmpfs
round "after removing it:"
tm_unload

ktap_verdicts $V
ktap_finish
