#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The answer /proc/tcpmem starts with, against the kernel's own figures:
# - its Slab:/SUnreclaim/MemTotal are /proc/meminfo's (read around it);
# - its total (debugfs totals tcp_slab_bytes: sockets' objects and bind
#   buckets) predicts the growth of Slab: for a mixed load within 2%
#   (tm_experiment, as test_experiments.sh);
# - the top states' socket counts are what ss counts in those states;
# - each object on a state row carries the effective bytes /proc/slabinfo
#   gives its cache (slab bytes / objects), and they sum to bytes/sock.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_hverdicts
: > $V
echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse
tm_fresh_load
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)

# ---- Slab:, SUnreclaim and MemTotal as /proc/meminfo prints them ----------
"$TM_DIR/readfiles" /tmp/tm_hm /proc/meminfo $TM_DBG/totals /proc/meminfo
awk '
FILENAME ~ /tm_hm.1$/ || FILENAME ~ /tm_hm.3$/ {
	k = FNR == 0 ? "" : $1
	if (k == "SReclaimable:") r[++nr] = $2 * 1024
	if (k == "SUnreclaim:") u[++nu] = $2 * 1024
	if (k == "MemTotal:") mt = $2 * 1024
	next
}
{ for (i = 1; i <= NF; i++) { split($i, kv, "="); t[kv[1]] = kv[2] } }
function within(x, a, b) { lo = a < b ? a : b; hi = a < b ? b : a; return x >= lo - 4096 && x <= hi + 4096 }
END {
	if (within(t["sreclaimable_bytes"], r[1], r[2]) && within(t["sunreclaim_bytes"], u[1], u[2]))
		print "ok meminfo: SReclaimable " t["sreclaimable_bytes"] " and SUnreclaim " t["sunreclaim_bytes"] " B are /proc/meminfo'\''s (" r[1] ".." r[2] ", " u[1] ".." u[2] ")"
	else
		print "bad meminfo: SReclaimable " t["sreclaimable_bytes"] " SUnreclaim " t["sunreclaim_bytes"] " B, /proc/meminfo around: " r[1] ".." r[2] ", " u[1] ".." u[2]
	if (t["memtotal_bytes"] == mt)
		print "ok meminfo: MemTotal " mt " B"
	else
		print "bad meminfo: memtotal_bytes " t["memtotal_bytes"] " != MemTotal " mt " B"
}' /tmp/tm_hm.1 /tmp/tm_hm.3 /tmp/tm_hm.2 >> $V

# ---- the total against the growth of Slab: --------------------------------
debug=$(tm_debug_kernel)
# x4 on 16K pages (tm_page_scale: 7.2-arm64-16k was 23/1000 off at the 4K
# counts after test_cgroups, the slack of partly filled 16 KiB-page slabs)
ne=$(tm_page_scale 2000) n6=$(tm_page_scale 300) nt=$(tm_page_scale 1000)
if [ -n "$debug" ]; then
	echo "skip headline-total debugging kernel ($debug): Slab: grows with the debug metadata of every object" >> $V
else
	TM_TOTAL_FROM=totals tm_experiment "headline total: $ne ESTABLISHED pairs, $n6 IPv6 pairs, $nt TIME_WAIT" \
		inet ESTABLISHED -p 24000 est:$ne est6:$n6 tw:$nt
	# its unreclaimable part (objects of caches without
	# SLAB_RECLAIM_ACCOUNT) against the growth of SUnreclaim, 2% again
	uf() { sed -n 's/.* tcp_unreclaimable_slab_bytes=\([0-9]*\).*/\1/p' "$1"; }
	upred=$(($(uf /tmp/tm_e1.totals) - $(uf /tmp/tm_e0.totals)))
	umeas=$(((tm_u1 - tm_u0) * 1024))
	ud=$((upred > umeas ? upred - umeas : umeas - upred))
	uline="headline unreclaimable: predicted SUnreclaim growth $upred B, SUnreclaim grew $umeas B ($((ud * 1000 / (umeas > 0 ? umeas : 1)))/1000 off), of Slab: growth $tm_meas B"
	if [ "$umeas" -gt 0 ] && [ $((ud * 50)) -le "$umeas" ]; then
		echo "ok $uline" >> $V
	else
		echo "bad $uline" >> $V
	fi
fi
[ -n "$debug" ] && tm_tcpload -R -p 24000 est:$ne est6:$n6 tw:$nt

# ---- top states: their socket counts are ss's ----------------------------
# TIME_WAIT sockets expire from 60 s on: tcpmem, ss, tcpmem again, until
# the reads of tcpmem agree on the sockets and /proc/slabinfo held still
# around the first (the load is otherwise idle)
# counts: a top states line without its byte figures
counts()
{
	sed 's/ [0-9.]*[BKMGTP] (/ (/g'
}

i=0 held=0
while [ $i -lt 10 ]; do
	"$TM_DIR/readfiles" /tmp/tm_ht /proc/tcpmem /proc/slabinfo $TM_DBG/caches /proc/tcpmem /proc/slabinfo
	ss -tanH > /tmp/tm_hss
	sed -n 3p /tmp/tm_ht.1 > /tmp/tm_htop
	# the states and their sockets (bytes move with any slab of any cache)
	c1=$(counts < /tmp/tm_htop) c2=$(sed -n 3p /tmp/tm_ht.4 | counts)
	c3=$(sed -n 3p /proc/tcpmem | counts)
	held=0
	[ "$c1" = "$c2" ] && [ "$c1" = "$c3" ] && held=1
	# a debugging kernel's slabs never hold still: the sockets suffice there
	[ $held = 1 ] && { cmp -s /tmp/tm_ht.2 /tmp/tm_ht.5 || [ -n "$debug" ]; } && break
	i=$((i + 1))
	sleep 2
done
[ $held = 1 ] || echo "bad top-states: the sockets never held still for the reads in 10 tries" >> $V
awk "$TM_SS_MAP"' { n[st]++ } END { for (s in n) print s, n[s] }' /tmp/tm_hss > /tmp/tm_hssn
ktap_diag "$(sed -n 2,3p /tmp/tm_ht.1)"
awk '
FILENAME ~ /tm_hssn$/ { ss[$1] = $2; next }
{
	sub(/^top states: */, "")
	n = split($0, part, /, /)
	for (i = 1; i <= n; i++) {
		split(part[i], w, " ")
		st = w[1]; cnt = w[3]; sub(/^\(/, "", cnt)
		if (st == "TIME_WAIT(tw)")
			st = "TIME_WAIT"
		if (st != "ESTABLISHED" && st != "TIME_WAIT" && st != "LISTEN")
			continue
		if (cnt == ss[st] + 0)
			print "ok top-states: " st " " cnt " sockets = ss"
		else
			print "bad top-states: " st " " cnt " sockets, ss counts " ss[st] + 0
		seen[st] = 1
	}
	# 100 or more TIME_WAIT sockets outweigh the two listeners of the load
	if (!seen["ESTABLISHED"] || (!seen["TIME_WAIT"] && ss["TIME_WAIT"] >= 100))
		print "bad top-states: ESTABLISHED and TIME_WAIT(tw) (the two largest while ss counts " ss["TIME_WAIT"] + 0 " TIME-WAIT) not both named: [" $0 "]"
}' /tmp/tm_hssn /tmp/tm_htop >> $V

# ---- a state row: per-object effective bytes are slabinfo's ---------------
if ! cmp -s /tmp/tm_ht.2 /tmp/tm_ht.5; then
	echo "skip breakdown /proc/slabinfo moved between the two reads around /proc/tcpmem" >> $V
else
	awk -v page="$page" '
	FILENAME ~ /tm_ht.2$/ { if (FNR > 2) eff[$1] = $15 * $6 * page / ($3 > 0 ? $3 : 1); next }
	FILENAME ~ /tm_ht.3$/ {
		delete r; for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
		cache[r["type"]] = r["cache"]; lo[r["type"]] = r["slabs_lo"]; next
	}
	$1 == "ESTABLISHED" && $2 == "inet" && !done {
		done = 1; bps = $4; sum = 0; bad = 0; k = 0; checked = 0
		for (i = 9; i <= NF; i++) {
			if ($i == "+") continue
			if ($i ~ /^\(/) break
			t = $i; v = $(i + 1); i++; k++
			sum += v
			# the vectors live in kmalloc caches, shared: in the sum only
			if (t == "objcg_vectors") { note = note " (objcg_vectors " v ")"; continue }
			if (lo[t] > 0) { note = note " " t " (fallback slabs: not checked)"; continue }
			want = eff[cache[t]]; checked++
			d = v - want; if (d < 0) d = -d
			if (d > 0.051) { bad++; note = note " " t " " v " vs " want }
		}
		d = sum - bps; if (d < 0) d = -d
		if (!k || !checked)
			print "bad breakdown: no object on the ESTABLISHED inet row could be checked: " $0
		else if (bad)
			print "bad breakdown: ESTABLISHED inet: effective bytes not slabinfo'\''s:" note
		else if (d > 0.05 * k + 1)
			print "bad breakdown: ESTABLISHED inet: the objects sum to " sum ", bytes/sock is " bps
		else
			print "ok breakdown: ESTABLISHED inet: " k " objects, each slabinfo'\''s slab bytes / objects of its cache (0.05 B), sum " sum " = bytes/sock " bps note
	}' /tmp/tm_ht.2 /tmp/tm_ht.3 /tmp/tm_ht.1 >> $V
fi
tm_tcpload_stop
tm_unload

ktap_verdicts $V
ktap_finish
