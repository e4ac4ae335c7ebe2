#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Slabs at the fallback order. When no block of a cache's order is free,
# SLUB makes the slab at the cache's minimum order (TCP: order 0, one
# object). tcpmem splits each node's slabs into the two orders; here the
# split and the bytes are checked against the kernel's counters
# (/sys/kernel/slab/<cache>/slabs, total_objects, order, objs_per_slab,
# slab_size; /proc/slabinfo), with the fallback forced:
# - with fail_page_alloc (debug kernels built with it): every order >= 3
#   allocation that may not sleep fails while ESTABLISHED pairs are made;
# - on a kernel without debug metadata: free memory is left in single
#   pages (fragment), ESTABLISHED pairs are made, and the slab bytes
#   tcpmem predicts for them must match the growth of Slab: within 2%.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_fverdicts
: > $V
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
tm_unload
if ! insmod "$TCPMEM_KO"; then
	ktap_plan 1
	ktap_fail "insmod"
	ktap_finish
fi

debug=
grep -qw kasan_report /proc/kallsyms && debug="KASAN"	# not dmesg: the boot line may have left the ring
[ -e /sys/kernel/debug/kmemleak ] && debug="$debug kmemleak"

# field FILE TYPE KEY: KEY= of TYPE's record in a caches file
field()
{
	awk -v t="type=$2" -v k="$3" '$1 == t {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } }
	}' "$1"
}

# slabinfo_tcp: "num_objs num_slabs objperslab" of TCP in /proc/slabinfo
slabinfo_tcp()
{
	awk '$1 == "TCP" { print $3, $15, $5 }' /proc/slabinfo
}

# check_orders TAG TYPE: tcpmem's split of TYPE's slabs (per node and in
# all) and its bytes, against the kernel's counters and geometry from
# /sys/kernel/slab/<cache>, read while they held still
check_orders()
{
	tag=$1
	c=$(field $TM_DBG/caches "$2" cache)
	d=/sys/kernel/slab/$c
	tries=0
	while [ $tries -lt 30 ]; do
		a=$(cat $d/slabs $d/total_objects)
		cat $TM_DBG/caches_nodes > /tmp/tm_fn
		cat $TM_DBG/caches > /tmp/tm_fc
		b=$(cat $d/slabs $d/total_objects)
		[ "$a" = "$b" ] && break
		tries=$((tries + 1))
		sleep 0.2
	done
	[ "$a" = "$b" ] || { echo "bad $tag: $c's counters never held still" >> $V; return; }
	{
		echo "geometry $page $(cat $d/order $d/objs_per_slab $d/slab_size | tr '\n' ' ')"
		# the counters that held still around the reads, not a third
		# reading (a cache still freeing slabs after an RCU grace period,
		# KASAN's quarantine, moves meanwhile)
		printf '%s\n' "$b" | sed -n '1s/^/slabs /p; 2s/^/objs /p'
		grep "^type=$2 " /tmp/tm_fn
		grep "^type=$2 " /tmp/tm_fc
	} | awk -v tag="$tag" -v c="$c" '
	function kv(s,    i, p) { delete r; for (i = 1; i <= NF; i++) { split($i, p, "="); r[p[1]] = p[2] } }
	function pg(o,    b) { b = page; while (o-- > 0) b *= 2; return b }	# no ^ in busybox awk
	$1 == "geometry" {
		page = $2; order = $3; oo = $4; size = $5
		for (mo = 0; pg(mo) < size; mo++) ;
		mn = int(pg(mo) / size)
		next
	}
	$1 == "slabs" || $1 == "objs" {
		for (i = 2; i <= NF; i++) if ($i ~ /^N[0-9]+=/) {
			split(substr($i, 2), p, "="); v[$1, p[1]] = p[2]; nodes[p[1]] = 1
		}
		tot[$1] = $2
		next
	}
	/ node=all / { kv(); all = r["slabs_hi"] " " r["slabs_lo"] " " r["bytes"]; next }
	/ node=/ { kv(); got[r["node"]] = r["slabs_hi"] " " r["slabs_lo"] " " r["bytes"]; next }
	{ kv(); rec = r["slabs_hi"] " " r["slabs_lo"] " " r["bytes"] " " r["eff_bytes"] }
	END {
		H = 0; L = 0
		for (n in nodes) {
			s = v["slabs", n]; o = v["objs", n]
			if (oo == mn) { h = s } else {
				h = (o - s * mn) / (oo - mn)
				if (h != int(h) || h < 0 || h > s) {
					print "bad " tag ": " c " node " n ": " s " slabs, " o " objects do not split into orders " order "/" mo
					bad = 1
				}
			}
			l = s - h; H += h; L += l
			want = h " " l " " h * pg(order) + l * pg(mo)
			if (got[n] != want) {
				print "bad " tag ": " c " node " n ": tcpmem hi/lo/bytes [" got[n] "], kernel [" want "]"
				bad = 1
			}
		}
		B = H * pg(order) + L * pg(mo)
		want = H " " L " " B
		eff = tot["objs"] ? sprintf("%.3f", B / tot["objs"]) : sprintf("%.3f", pg(order) / oo)
		if (all != want || rec != want " " eff) {
			print "bad " tag ": " c ": tcpmem hi/lo/bytes/eff [" all "] [" rec "], kernel [" want " " eff "]"
			bad = 1
		}
		if (!bad)
			print "ok " tag ": " c ": " H " slabs of order " order " (" oo " objs), " L " of order " mo " (" mn " objs) = " B " B, " eff " B/object, per node as /sys/kernel/slab/" c
	}' >> $V
}

# fell_back: TCP's slabs hold fewer objects than at its preferred order
fell_back()
{
	set -- $(slabinfo_tcp)
	[ "$1" -lt $(($2 * $3)) ]
}

# at rest: what earlier tests freed is gone (TCP's slabs go after a grace period)
tm_slab_settled > /dev/null
check_orders "at rest" TCP

# ---- fail_page_alloc: certain fallback ------------------------------------
fpa=/sys/kernel/debug/fail_page_alloc
if [ ! -d $fpa ]; then
	echo "skip fail_page_alloc this kernel has no CONFIG_FAIL_PAGE_ALLOC" >> $V
else
	n=1000
	[ -n "$debug" ] && n=500	# KASAN under TCG: slow to connect
	rm -f /tmp/tm_ready /tmp/tm_ready.set
	"$TM_DIR/tcpload" -S -R -r /tmp/tm_ready -p 23000 est:$n &
	tm_load_pid=$!
	tm_wait_file /tmp/tm_ready.set
	# every order >= 3 attempt that may not sleep fails; a finite, large
	# times is "no limit" that also counts the failures it injected
	times0=1000000000
	echo 0 > $fpa/probability
	echo 3 > $fpa/min-order
	echo Y > $fpa/ignore-gfp-wait
	echo 0 > $fpa/verbose
	echo 0 > $fpa/space
	echo 1 > $fpa/interval
	echo $times0 > $fpa/times
	before=$(slabinfo_tcp)
	echo 100 > $fpa/probability
	kill -USR1 $tm_load_pid
	tm_wait_file /tmp/tm_ready || echo "bad fail_page_alloc: tcpload failed" >> $V
	echo 0 > $fpa/probability
	injected=$((times0 - $(cat $fpa/times)))
	echo -1 > $fpa/times
	after=$(slabinfo_tcp)
	if [ "$injected" -gt 0 ]; then
		echo "ok fail_page_alloc: $injected failures injected while $n pairs were made" >> $V
	else
		echo "bad fail_page_alloc: no failure injected (times did not move)" >> $V
	fi
	if fell_back; then
		echo "ok fail_page_alloc: TCP fell back: num_objs num_slabs objperslab [$before] -> [$after]" >> $V
	else
		echo "bad fail_page_alloc: TCP did not fall back: [$before] -> [$after]" >> $V
	fi
	if [ -r /sys/kernel/slab/TCP/order_fallback ]; then
		echo "# TCP order_fallback: $(cat /sys/kernel/slab/TCP/order_fallback)" >> $V
	fi
	check_orders "fail_page_alloc" TCP
	lo=$(field /tmp/tm_fc TCP slabs_lo)
	grep "^fallback: " /proc/tcpmem > /tmp/tm_fb
	if [ "${lo:-0}" -gt 0 ] && grep -q "^fallback: TCP: $lo of " /tmp/tm_fb; then
		echo "ok fail_page_alloc: /proc/tcpmem shows it: $(grep '^fallback: TCP:' /tmp/tm_fb)" >> $V
	else
		echo "bad fail_page_alloc: /proc/tcpmem fallback line for TCP missing (slabs_lo=$lo)" >> $V
	fi
	tm_tcpload_stop
fi

# ---- fragmented memory: prediction against Slab: ---------------------------
# sysctl_set NAME VALUE: set, remembering the old value in /tmp/tm_sysctl
sysctl_set()
{
	f=/proc/sys/vm/$1
	[ -w $f ] || return 0
	echo "$1 $(cat $f)" >> /tmp/tm_sysctl
	echo "$2" > $f
}

order=$(cat /sys/kernel/slab/TCP/order 2>/dev/null)
if [ -n "$debug" ]; then
	echo "skip fragmented-slab-growth debugging kernel ($debug): Slab: grows with the debug metadata of every object" >> $V
elif ! [ "$order" -ge 0 ] 2>/dev/null; then
	echo "bad fragmented-slab-growth: no order in /sys/kernel/slab/TCP/order ('$order')" >> $V
elif [ "$order" -eq 0 ] || [ "$order" -eq 2 ] ||
     { [ "$order" -eq 1 ] && [ "$(tm_page_scale 4)" -lt 16 ]; }; then
	# 4 KiB pages: order 3; 16 KiB pages: order 1 (32 KiB)
	echo "skip fragmented-slab-growth TCP's slabs are order $order here: fragment denies order 3 and more (with blocks of order 1 and 2 left for forks), or order 1 with 16 KiB pages or more (forks need no larger block there)" >> $V
else
	: > /tmp/tm_sysctl
	# nothing rebuilds large blocks behind the test's back: no proactive
	# compaction, no boosted reclaim, and held (mlocked) pages are not
	# moved; fragment leaves blocks of order 1 and 2 for forks (4 KiB pages)
	sysctl_set compaction_proactiveness 0
	sysctl_set watermark_boost_factor 0
	sysctl_set compact_unevictable_allowed 0
	# a failed order-3 attempt wakes kswapd, whose shrinkers would free
	# dentries and inodes, and with them whole slabs of large blocks: drop
	# them now, and keep the dcache and icache shrinkers off meanwhile
	sysctl_set vfs_cache_pressure 0
	# the watermarks (raised for THP to tens of MB) are free memory in
	# large blocks that fragment cannot take: lower them
	sysctl_set min_free_kbytes 4096
	echo 3 > /proc/sys/vm/drop_caches
	rm -f /tmp/tm_ready /tmp/tm_ready.set /tmp/tm_frag
	"$TM_DIR/tcpload" -S -R -r /tmp/tm_ready -p 23000 est:3000 &
	tm_load_pid=$!
	tm_wait_file /tmp/tm_ready.set
	# shrink (empty slabs freed) before the memory is fragmented: freed
	# large slabs would leave large blocks for the sockets. Settled: TCP's
	# empty slabs (SLAB_TYPESAFE_BY_RCU) go back after a grace period, and
	# once fragment is done they would be free blocks of TCP's order (on
	# 16 KiB pages after test_cgroups' 20,000 pairs: none fell back)
	tm_slab_settled > /dev/null
	# no free block of TCP's slab order. The fill stops when what the
	# zones have above their low watermarks, 8 MB kept per zone, sums to
	# under 1 MB (with 1 MB kept, arm64 6.12 fell below min while it
	# filled: the OOM killer, 25 MB idle on the per-CPU lists)
	oom0=$(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat)
	"$TM_DIR/fragment" /tmp/tm_frag 8192 "$order" 2> /tmp/tm_frag.err &
	frag_pid=$!
	i=0
	while [ ! -f /tmp/tm_frag ] && kill -0 $frag_pid 2>/dev/null && [ $i -lt 1500 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if [ ! -f /tmp/tm_frag ]; then
		if kill -0 $frag_pid 2>/dev/null; then
			echo "bad fragment did not finish within 300 s" >> $V
		else
			wait $frag_pid
			rc=$?
			oom=$(($(awk '$1 == "oom_kill" { print $2 }' /proc/vmstat) - ${oom0:-0}))
			echo "bad fragment ended (exit $rc) before it wrote what it did; OOM kills meanwhile: $oom" >> $V
			sed 's/^/# fragment: /' /tmp/tm_frag.err >> $V
			dmesg | grep -E 'invoked oom-killer|Killed process|oom-kill:' |
				tail -n 5 | sed 's/^/# dmesg: /' >> $V
		fi
	fi
	echo "# fragment: $(cat /tmp/tm_frag 2>/dev/null); buddyinfo:" >> $V
	sed 's/^/#   /' /proc/buddyinfo >> $V
	# Slab: now, with fragment's pipe arrays in it (a kmalloc of a whole
	# block is counted in Slab:), which are no part of what the sockets
	# add; after a shrink, as after the sockets: the slabs left empty
	# while fragment filled (0.6 MB of 16 KiB slabs on 16 KiB pages) go
	# now rather than only from the second reading. The blocks they free
	# are few next to the slabs the sockets need: most still fall back
	s0=$(tm_slab_kb)
	p0=$(tm_slab_total /tmp/tm_fs0)
	before=$(slabinfo_tcp)
	kill -USR1 $tm_load_pid
	tm_wait_file /tmp/tm_ready || echo "bad fragmented: tcpload failed" >> $V
	sleep 1
	p1=$(tm_slab_total /tmp/tm_fs1)
	s1=$(tm_slab_kb)
	after=$(slabinfo_tcp)
	cat $TM_DBG/states > /tmp/tm_fs
	check_orders "fragmented" TCP
	n=$(awk '/ family=inet state=ESTABLISHED / {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "sockets") t += kv[2] } } END { print t + 0 }' /tmp/tm_fs)
	pred=$((p1 - p0))
	meas=$(((s1 - s0) * 1024))
	diff=$((pred > meas ? pred - meas : meas - pred))
	line="fragmented: $n ESTABLISHED sockets, TCP [num_objs num_slabs objperslab] [$before] -> [$after], predicted slab growth $pred B, Slab: grew $meas B ($((diff * 1000 / (meas > 0 ? meas : 1)))/1000 off)"
	if ! fell_back; then
		echo "skip fragmented-slab-growth no fallback happened (TCP [$after]): larger blocks were left free" >> $V
	elif [ "$meas" -gt 0 ] && [ $((diff * 50)) -le "$meas" ]; then
		echo "ok $line" >> $V
	else
		echo "bad $line" >> $V
	fi
	grep "^fallback: " /proc/tcpmem | sed 's/^/# /' >> $V
	tm_tcpload_stop
	kill $frag_pid
	wait $frag_pid
	while read -r name val; do
		echo "$val" > /proc/sys/vm/$name
	done < /tmp/tm_sysctl
fi

tm_unload
ktap_verdicts $V
ktap_finish
