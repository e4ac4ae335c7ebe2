#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# debugfs walk: what the last snapshot cost. Well-formed; a snapshot only
# has the phases of the sections its file takes; the phases fit in the
# snapshot's time and that in the wall time of the read (elapsed, from
# user space); the established hash entries it walked are the sockets ss
# sees outside LISTEN; every lock it took has a hold measured, and the
# IRQs-off stretches are at least the holds of the locks that disable them.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_wverdicts
: > $V
W=$TM_DBG/walk
tm_fresh_load
if [ ! -f $W ]; then
	ktap_plan 1
	ktap_skip walk "no debugfs tcpmem directory (debugfs off or not mounted)"
	ktap_finish
fi

# val KEY: the value of KEY= in the walk file read last (/tmp/tm_w);
# phase=NAME lines give ns, hold=NAME lines max_ns, step=NAME lines
# step_NAME_ns and step_sockets
val()
{
	awk -v k="$1" '
	{ delete f; for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] } }
	$1 ~ /^phase=/ { v[f["phase"] "_ns"] = f["ns"]; next }
	$1 ~ /^hold=/ { v[f["hold"] "_max_ns"] = f["max_ns"]; next }
	$1 ~ /^step=/ { v["step_" f["step"] "_ns"] = f["ns"]; v["step_sockets"] = f["sockets"]; next }
	{ for (x in f) v[x] = f[x] }
	END { print (k in v) ? v[k] : "missing" }' /tmp/tm_w
}

# well_formed WHEN: one snapshot line, then the phases, holds and steps in
# order, each value a non-negative integer
well_formed()
{
	if awk '
	NR == 1 { ok = $1 ~ /^snapshots=[0-9]+$/ && $2 ~ /^file=[-a-z_]+$/ &&
		  $3 ~ /^sections=[-a-z,]+$/ && $4 ~ /^take_ns=[0-9]+$/ &&
		  $5 ~ /^render_calls=[0-9]+$/ && $6 ~ /^ehash_sockets=[0-9]+$/ &&
		  $7 ~ /^owners_walked=[01]$/ && NF == 7; next }
	NR >= 2 && NR <= 10 { split("caches zones netns ehash lhash2 bhash bhash2 cgroups render", p, " ")
		  ok = ok && $1 == "phase=" p[NR - 1] && $2 ~ /^ns=[0-9]+$/ && NF == 2; next }
	NR >= 11 && NR <= 14 { split("bucket_lock list_lock zone_lock irqs_off", h, " ")
		  ok = ok && $1 == "hold=" h[NR - 10] && $2 ~ /^max_ns=[0-9]+$/ && NF == 2; next }
	NR >= 15 && NR <= 18 { split("netns sock charge account", st, " ")
		  ok = ok && $1 == "step=" st[NR - 14] && $2 ~ /^ns=[0-9]+$/ &&
		  $3 ~ /^sockets=[0-9]+$/ && NF == 3; next }
	{ ok = 0 }
	END { exit !(ok && NR == 18) }' /tmp/tm_w; then
		echo "ok $1: walk well-formed" >> $V
	else
		echo "bad $1: walk not well-formed" >> $V
		sed 's/^/#   /' /tmp/tm_w >> $V
	fi
}

# walk_sum: the walk phases (all but render), summed
walk_sum()
{
	awk '$1 ~ /^phase=/ && $1 != "phase=render" { sub("ns=", "", $2); s += $2 }
	     END { print s + 0 }' /tmp/tm_w
}

# step_sum: the sampled sockets' steps, summed
step_sum()
{
	awk '$1 ~ /^step=/ { sub("ns=", "", $2); s += $2 } END { print s + 0 }' /tmp/tm_w
}

# expect WHEN KEY OP VALUE: one comparison, its verdict
expect()
{
	v=$(val "$2")
	if [ "$v" != missing ] && [ "$v" "$3" "$4" ]; then
		echo "ok $1: $2=$v $3 $4" >> $V
	else
		echo "bad $1: $2=$v, expected $3 $4" >> $V
	fi
}

cat $W > /tmp/tm_w
well_formed "before any read"
expect "before any read" snapshots -eq 0

# sockets in the init netns, none left in TIME_WAIT
tm_tcpload -R -p 25000 est:300 est6:100 || echo "bad tcpload could not open its sockets" >> $V

# /proc/tcpmem: every section; its wall time from user space. The walk
# counts every entry of the shared ehash, and a netns an earlier test left is
# torn down by a kernel worker later (its sockets still hashed, ss no longer
# sees them); local_clock() can be coarser than a lock hold in these VMs. So
# up to 10 reads (a second apart when the count differs) for one whose
# count equals ss and whose holds all show; wired wrong, none would
reads=0
while :; do
	us=$("$TM_DIR/elapsed" cat /proc/tcpmem)
	reads=$((reads + 1))
	cat $W > /tmp/tm_w
	ss_n=$(ss -tanH | awk '$1 != "LISTEN" && $1 != "UNCONN" && $1 != "CLOSE"' | wc -l)
	[ $reads -ge 10 ] && break
	[ "$(val ehash_sockets)" = "$ss_n" ] || { sleep 1; continue; }
	for h in bucket_lock list_lock zone_lock; do
		[ "$(val ${h}_max_ns)" = 0 ] && continue 2
	done
	[ "$(step_sum)" = 0 ] && continue
	break
done
[ $reads -eq 1 ] || echo "# /proc/tcpmem: read $reads times (ehash_sockets or a hold settled late)" >> $V
well_formed "/proc/tcpmem"
expect "/proc/tcpmem" snapshots -eq $reads
expect "/proc/tcpmem" file = tcpmem
expect "/proc/tcpmem" sections = caches,zones,tcp,sockets,cgroups
# every socket is in a lookup table: no bhash2 owner list to walk
expect "/proc/tcpmem" owners_walked -eq 0
expect "/proc/tcpmem" ehash_sockets -eq "$ss_n"
expect "/proc/tcpmem" render_calls -ge 1
# bhash2: none before 6.1
for p in caches zones netns ehash lhash2 bhash cgroups render; do
	expect "/proc/tcpmem" ${p}_ns -gt 0
done
for h in bucket_lock list_lock zone_lock; do
	expect "/proc/tcpmem" ${h}_max_ns -gt 0
done
expect "/proc/tcpmem" irqs_off_max_ns -ge "$(val list_lock_max_ns)"
expect "/proc/tcpmem" irqs_off_max_ns -ge "$(val zone_lock_max_ns)"
expect "/proc/tcpmem" take_ns -ge "$(walk_sum)"
# the steps of the sockets of one bucket in 16: a share of the ehash phase,
# about one socket in 16 (the buckets are as full as the hash spreads them)
expect "/proc/tcpmem" ehash_ns -ge "$(step_sum)"
if [ "$(step_sum)" -gt 0 ]; then
	echo "ok /proc/tcpmem: the sampled steps were timed: $(step_sum) ns" >> $V
else
	echo "bad /proc/tcpmem: the sampled steps sum to 0 ns" >> $V
fi
expect "/proc/tcpmem" step_sockets -ge $(($(val ehash_sockets) / 64))
expect "/proc/tcpmem" step_sockets -le $(($(val ehash_sockets) / 4))
total=$(($(val take_ns) + $(val render_ns)))
if [ "$total" -le $((us * 1000)) ]; then
	echo "ok /proc/tcpmem: take_ns + render_ns = $total <= wall time of the read $us us" >> $V
else
	echo "bad /proc/tcpmem: take_ns + render_ns = $total > wall time of the read $us us" >> $V
fi
# reading walk takes no snapshot
cat $W > /tmp/tm_w
expect "walk read twice" snapshots -eq $reads

# the bind buckets only: no socket walked
cat $TM_DBG/shared > /dev/null
cat $W > /tmp/tm_w
well_formed "debugfs shared"
expect "debugfs shared" file = shared
expect "debugfs shared" sections = caches,tcp
expect "debugfs shared" ehash_sockets -eq 0
expect "debugfs shared" ehash_ns -eq 0
expect "debugfs shared" lhash2_ns -eq 0
expect "debugfs shared" owners_walked -eq 0
expect "debugfs shared" step_sockets -eq 0
expect "debugfs shared" bhash_ns -gt 0
tm_tcpload_stop

# a socket bound and in no lookup table: the owner lists are walked
# (where there are: bhash2 and its tcp_bind2_bucket came with 6.1)
owners=0
[ -e /sys/kernel/slab/tcp_bind2_bucket ] && owners=1
tm_tcpload -R -p 25500 est:10 bound:5 || echo "bad tcpload could not bind its sockets" >> $V
cat $TM_DBG/states > /dev/null
cat $W > /tmp/tm_w
expect "debugfs states, 5 bound sockets" sections = caches,zones,tcp,sockets
expect "debugfs states, 5 bound sockets" owners_walked -eq $owners
tm_tcpload_stop

# a file that takes the caches only: no zone, socket or cgroup phase
cat $TM_DBG/caches > /dev/null
cat $W > /tmp/tm_w
well_formed "debugfs caches"
expect "debugfs caches" snapshots -eq $((reads + 3))
expect "debugfs caches" file = caches
expect "debugfs caches" sections = caches
expect "debugfs caches" caches_ns -gt 0
for p in zones netns ehash lhash2 bhash bhash2 cgroups; do
	expect "debugfs caches" ${p}_ns -eq 0
done
expect "debugfs caches" list_lock_max_ns -gt 0
expect "debugfs caches" bucket_lock_max_ns -eq 0
expect "debugfs caches" zone_lock_max_ns -eq 0

# the free lists per migratetype: zones only. local_clock() can be coarser
# than a zone->lock hold in these VMs (6.12 once read 0 for every zone):
# up to 5 reads for one that shows the hold; wired wrong, none would
i=0
while [ $i -lt 5 ]; do
	cat $TM_DBG/pagetypes > /dev/null
	cat $W > /tmp/tm_w
	[ "$(val zone_lock_max_ns)" != missing ] && [ "$(val zone_lock_max_ns)" -gt 0 ] && break
	i=$((i + 1))
done
[ $i -eq 0 ] || echo "# debugfs pagetypes: zone_lock_max_ns read 0 in $i read(s)" >> $V
well_formed "debugfs pagetypes"
expect "debugfs pagetypes" file = pagetypes
expect "debugfs pagetypes" sections = pagetypes
expect "debugfs pagetypes" caches_ns -eq 0
expect "debugfs pagetypes" zones_ns -gt 0
expect "debugfs pagetypes" zone_lock_max_ns -gt 0
expect "debugfs pagetypes" irqs_off_max_ns -ge "$(val zone_lock_max_ns)"
expect "debugfs pagetypes" list_lock_max_ns -eq 0
tm_unload

ktap_verdicts $V
ktap_finish
