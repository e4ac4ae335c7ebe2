#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: what answering "how many sockets per state, and what do they
# cost" costs with tcpmem, against a count-only walk of the TCP hashes (the
# floor: benchmod/tm_count.ko, /proc/tm_count) and the peers one would use
# instead, all measured in this VM run; then what a reader in a loop does
# to loopback RTT and to `unshare -n true`, and /proc/tcpmem against
# /proc/slabinfo on a node with a million partial slabs. Timings are
# reported, never asserted; what is asserted (a "bad" line and exit 1) is
# correctness at these sizes: tcpmem's ESTABLISHED and TIME_WAIT counts
# equal the kernel's (/proc/net/snmp CurrEstab and /proc/net/sockstat tw,
# what `ss -s` prints) and no soft lockup, RCU stall, hung task or other
# splat in dmesg.
#
# Env (scripts/demo.sh passes BENCH_* from the host on the kernel command
# line, which hands them to init):
#   BENCH_PAIRS   ESTABLISHED pairs (two sockets each)   65000, BIG 500000
#   BENCH_TW      TIME_WAIT sockets                       20000, BIG 0
#   BENCH_RUNS    reads per row (median)                  5, BIG 3
#   BENCH_RTT     round trips per RTT measurement         20000
#   BENCH_UNSHARE `unshare -n true` runs per measurement  20
#   BENCH_LINKS   dentries mklinks makes on node 0 for the partial-slab
#                 run (21 per slab: 22000000 leave over 1M partial
#                 slabs); 0 skips it                      22000000, BIG 0
#   BENCH_NETNS   netns (one listening socket each) for what an open file
#                 costs in memory; 0 skips it             10000, BIG 0
#   BENCH_BIG=1   the 1M-socket run (needs VM_MEM, see scripts/demo.sh)
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/stress.sh"

if [ "${BENCH_BIG:-0}" = 1 ]; then
	PAIRS=${BENCH_PAIRS:-500000}
	TW=${BENCH_TW:-0}
	RUNS=${BENCH_RUNS:-3}
	LINKS=${BENCH_LINKS:-0}
	NETNS=${BENCH_NETNS:-0}
else
	PAIRS=${BENCH_PAIRS:-65000}
	TW=${BENCH_TW:-20000}
	RUNS=${BENCH_RUNS:-5}
	LINKS=${BENCH_LINKS:-22000000}
	NETNS=${BENCH_NETNS:-10000}
fi
RTT_N=${BENCH_RTT:-20000}
NS_N=${BENCH_UNSHARE:-20}
COUNT_KO=${TM_COUNT_KO:-/tcpmem/tm_count.ko}
FLOOR="cat /proc/tm_count"
V=/tmp/tm_bench_verdicts
: > $V

echo "## tcpmem bench: $(uname -r), $(nproc) CPUs, $(awk '/^MemTotal:/ { printf "%d MB", $2 / 1024 }' /proc/meminfo), $(cat /sys/devices/system/node/online 2>/dev/null | sed 's/^/nodes /')"
# one listener per 20000 connections, each with the whole ephemeral range
echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
echo $((TW + 262144)) > /proc/sys/net/ipv4/tcp_max_tw_buckets
echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse
echo 4194304 > /proc/sys/fs/nr_open
echo 4194304 > /proc/sys/fs/file-max
[ -w /proc/sys/kernel/hung_task_timeout_secs ] && echo 30 > /proc/sys/kernel/hung_task_timeout_secs
dmesg -c > /dev/null
tm_load || { dmesg | tail -n 5; exit 1; }
if ! insmod "$COUNT_KO" 2>/dev/null; then
	echo "## no count-only walk ($COUNT_KO did not load): the floor row is missing"
	FLOOR=
fi

t0=$(cut -d' ' -f1 /proc/uptime)
# making them took 334 s under TCG on a shared host: up to an hour
TM_WAIT_S=3600 tm_tcpload -R est:$PAIRS tw:$TW || { echo "tcpload failed"; exit 1; }
echo "## $((2 * PAIRS)) ESTABLISHED + $TW TIME_WAIT loopback sockets made in $(awk -v t0="$t0" '{ printf "%.0f", $1 - t0 }' /proc/uptime) s; median of $RUNS reads per row"

# tw_now: TIME_WAIT sockets now (/proc/net/sockstat; they live 60 s)
tw_now()
{
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /proc/net/sockstat
}

# check_counts WHEN: tcpmem's ESTABLISHED and TIME_WAIT counts (debugfs
# states, every family) against CurrEstab (/proc/net/snmp) and sockstat's
# tw, read back to back, until both kernel figures held still around it
check_counts()
{
	tries=0
	while [ $tries -lt 30 ]; do
		"$TM_DIR/readfiles" /tmp/tm_bc /proc/net/snmp /proc/net/sockstat $TM_DBG/states \
			/proc/net/sockstat /proc/net/snmp
		cmp -s /tmp/tm_bc.1 /tmp/tm_bc.5 && cmp -s /tmp/tm_bc.2 /tmp/tm_bc.4 && break
		tries=$((tries + 1))
	done
	est=$(awk '$1 == "Tcp:" && !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Tcp:" { print $c["CurrEstab"] }' /tmp/tm_bc.1)
	tw=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "tw") print $(i + 1) }' /tmp/tm_bc.2)
	m_est=$(($(tm_stat_field /tmp/tm_bc.3 inet ESTABLISHED sockets any) +
		$(tm_stat_field /tmp/tm_bc.3 inet6 ESTABLISHED sockets any)))
	m_tw=$(($(tm_stat_field /tmp/tm_bc.3 inet TIME_WAIT sockets any) +
		$(tm_stat_field /tmp/tm_bc.3 inet6 TIME_WAIT sockets any)))
	if [ $tries -ge 30 ]; then
		echo "bad counts-$1: the kernel's counts never held still over 30 reads" >> $V
	elif [ "$m_est" = "$est" ] && [ "$m_tw" = "$tw" ]; then
		echo "ok counts-$1: tcpmem ESTABLISHED $m_est TIME_WAIT $m_tw = CurrEstab $est, sockstat tw $tw" >> $V
	else
		echo "bad counts-$1: tcpmem ESTABLISHED $m_est TIME_WAIT $m_tw, kernel CurrEstab $est sockstat tw $tw" >> $V
	fi
}
check_counts loaded
if [ -n "$FLOOR" ]; then
	# shellcheck disable=SC2046 # its lines on one line
	echo "## count-only walk:" $(cat /proc/tm_count)
fi

# median_ms CMD...: median wall time of CMD over RUNS runs, in ms
median_ms()
{
	i=0
	: > /tmp/tm_times
	while [ $i -lt "$RUNS" ]; do
		"$TM_DIR/elapsed" sh -c "$*" >> /tmp/tm_times
		i=$((i + 1))
	done
	sort -n /tmp/tm_times | awk '{ a[NR] = $1 } END { printf "%.1f\n", a[int((NR + 1) / 2)] / 1000 }'
}

# ratio A B: A / B with two decimals ("-" without B)
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# row WHAT CMD [floor|tcpmem]: one line of the read table: median ms, the
# TIME_WAIT sockets when the row started, ratio to the floor and to
# /proc/tcpmem; floor/tcpmem: this row is that base
floor_ms='' tcpmem_ms=''
row()
{
	row_tw=$(tw_now)
	ms=$(median_ms "$2")
	case ${3:-} in
	floor) floor_ms=$ms ;;
	tcpmem) tcpmem_ms=$ms ;;
	esac
	printf '| %-52s | %9s | %6s | %8s | %8s |\n' "$1" "$ms" "$row_tw" \
		"$(ratio "$ms" "$floor_ms")" "$(ratio "$ms" "$tcpmem_ms")"
}

echo
echo "| read (median of $RUNS)                                 |        ms |     tw | x floor  | x tcpmem |"
echo "|------------------------------------------------------|-----------|--------|----------|----------|"
[ -z "$FLOOR" ] || row "floor: count-only walk (cat /proc/tm_count)" "$FLOOR" floor
row "tcpmem: cat /proc/tcpmem" "cat /proc/tcpmem" tcpmem
for f in $TM_DBG/*; do
	[ -f "$f" ] && [ "${f##*/}" != walk ] || continue
	row "tcpmem: debugfs ${f##*/}" "cat $f"
done
row "peer: ss -tanH | awk (count per state)" "ss -tanH | awk '{ n[\$1]++ } END { for (s in n) print s, n[s] }'"
row "peer: /proc/net/tcp{,6} | awk (count per state)" \
	"cat /proc/net/tcp /proc/net/tcp6 | awk '{ n[\$4]++ } END { for (s in n) print s, n[s] }'"
row "peer: ss -s (totals only)" "ss -s"
row "peer: cat /proc/slabinfo" "cat /proc/slabinfo"
echo "## x floor = time / time of the count-only walk; x tcpmem = time / time of cat /proc/tcpmem;"
echo "## tw = TIME_WAIT sockets when the row started (they expire 60 s after they were made)"

# a reader of /proc/tcpmem in a loop, in the background ($reader)
reader_start()
{
	sh -c 'while :; do cat /proc/tcpmem > /dev/null; done' &
	reader=$!
	sleep 1
}

reader_stop()
{
	kill $reader
	wait $reader 2> /dev/null
}

# unshare_ms: "median max" of NS_N runs of `unshare -n true`, in ms
unshare_ms()
{
	i=0
	: > /tmp/tm_ns
	while [ $i -lt "$NS_N" ]; do
		"$TM_DIR/elapsed" unshare -n true >> /tmp/tm_ns
		i=$((i + 1))
	done
	sort -n /tmp/tm_ns | awk '{ a[NR] = $1 } END { printf "%.1f %.1f\n", a[int((NR + 1) / 2)] / 1000, a[NR] / 1000 }'
}

# the value of KEY= in the line LINE
kv()
{
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

rtt_idle=$("$TM_DIR/rtt" "$RTT_N")
ns_idle=$(unshare_ms)
reader_start
rtt_read=$("$TM_DIR/rtt" "$RTT_N")
ns_read=$(unshare_ms)
reader_stop
lat_row()
{
	printf '| %-52s | %12s | %12s | %6s |\n' "$1" "$2" "$3" "$(ratio "$3" "$2")"
}
echo
echo "| latency with the sockets held                        |   no reader  | /proc/tcpmem |  ratio |"
echo "|                                                      |              | read in loop |        |"
echo "|------------------------------------------------------|--------------|--------------|--------|"
for p in p50 p99 p999; do
	lat_row "loopback RTT $p, us ($RTT_N round trips)" "$(kv $p "$rtt_idle")" "$(kv $p "$rtt_read")"
done
lat_row "unshare -n true median, ms ($NS_N runs)" "${ns_idle% *}" "${ns_read% *}"
lat_row "unshare -n true max, ms" "${ns_idle#* }" "${ns_read#* }"
echo "## ratio = with the reader / without (RTT: 1-byte ping-pong, TCP_NODELAY, loopback)"

# per-phase timing of the walk, when the module has it
if [ -f $TM_DBG/walk ]; then
	# each read's wall time (elapsed cat) against the snapshot's own
	# take_ns and render_ns: what a read costs outside the walk
	for f in /proc/tcpmem $TM_DBG/states $TM_DBG/shared $TM_DBG/totals; do
		i=0
		while [ $i -lt "$RUNS" ]; do
			us=$("$TM_DIR/elapsed" cat $f)
			awk -v us="$us" -v f="$f" '
			{ for (i = 1; i <= NF; i++) if ($i ~ /^take_ns=/) t = substr($i, 9)
			  if ($1 == "phase=render") r = substr($2, 4) }
			END { printf "## read of %s: wall %.1f ms, take_ns %.1f ms, render_ns %.1f ms\n",
			      f, us / 1000, t / 1e6, r / 1e6 }' $TM_DBG/walk
			i=$((i + 1))
		done
		echo "## $TM_DBG/walk after the last read of $f:"
		sed 's/^/##   /' $TM_DBG/walk
		# the sampled steps, per socket
		awk '$1 ~ /^step=/ { n = substr($3, 9) + 0; if (n > 0) { printf "%s%s %.0f", sep, substr($1, 6), substr($2, 4) / n; sep = ", " } }
		     END { if (sep != "") printf " ns per sampled socket\n" }' $TM_DBG/walk |
			sed 's/^/##   steps: /'
	done
fi
echo "## module size in memory: $(awk '$1 == "tcpmem" { print $2 }' /proc/modules) bytes (/proc/modules)"
tm_tcpload_stop

# a node with a million partial slabs: dentries on node 0 from every CPU
# (mklinks NEG mode: a hard link, then 9 lookups of names missing in sysfs,
# which keeps negative dentries: each slab of 21 keeps hard links), the
# negative ones dropped
if [ "$LINKS" -gt 0 ]; then
	cache=$(awk '$1 == "type=dentry" { sub(/^cache=/, "", $2); print $2 }' $TM_DBG/caches)
	mnt=/tmp/tm_bench_mnt
	mkdir -p $mnt
	mount -t tmpfs -o nr_inodes=0 tm_links $mnt
	t0=$(cut -d' ' -f1 /proc/uptime)
	ncpu=$(nproc)
	pids=''
	c=0
	while [ $c -lt "$ncpu" ]; do
		mkdir $mnt/$c
		numactl --physcpubind=$c --membind=0 "$TM_DIR/mklinks" $mnt/$c $((LINKS / ncpu)) 9 /sys/kernel &
		pids="$pids $!"
		c=$((c + 1))
	done
	made=1
	for p in $pids; do
		wait "$p" || made=0
	done
	if [ $made = 1 ]; then
		echo 2 > /proc/sys/vm/drop_caches
		partial=$(cat /sys/kernel/slab/$cache/partial)
		echo
		echo "## partial slabs: $LINKS dentries made on node 0 in $(awk -v t0="$t0" '{ printf "%.0f", $1 - t0 }' /proc/uptime) s, 1 in 10 kept; $cache partial slabs: $partial"
		echo "| read with the partial slabs (median of $RUNS)         |        ms | x slabinfo |"
		echo "|------------------------------------------------------|-----------|------------|"
		si_ms=''
		for r in "cat /proc/slabinfo" "cat /proc/tcpmem" "cat $TM_DBG/caches"; do
			ms=$(median_ms "$r")
			[ -n "$si_ms" ] || si_ms=$ms
			printf '| %-52s | %9s | %10s |\n' "$r" "$ms" "$(ratio "$ms" "$si_ms")"
		done
		echo "## x slabinfo = time / time of cat /proc/slabinfo"
	else
		echo "bad mklinks: $LINKS dentries on node 0 failed (memory? VM_MEM in scripts/demo.sh)" >> $V
	fi
	umount $mnt
fi

# open_cost FILE: "bytes-at-open bytes-after-read peak" charged to a memcg
# of its own by a shell that opens FILE (the snapshot is taken then), reads
# it to the end with the file still open, and closes it: memory.current
# read with the shell's builtin read (no process made in the cgroup but
# the one dd that reads), memory.peak (0 where the kernel has none)
open_cost()
{
	cg=$CG/tm_bench_open
	mkdir $cg
	sh -c '
		cg=$1 f=$2
		echo $$ > $cg/cgroup.procs
		read -r a < $cg/memory.current
		exec 3< "$f"
		read -r b < $cg/memory.current
		dd bs=65536 <&3 > /dev/null 2>&1
		read -r c < $cg/memory.current
		exec 3<&-
		p=0
		[ -r $cg/memory.peak ] && read -r p < $cg/memory.peak
		echo $((b - a)) $((c - a)) $p
		echo $$ > $cg/../cgroup.procs
	' sh $cg "$1"
	rmdir $cg
}

# open_rows TAG: open_cost and the read time of the snapshot files
open_rows()
{
	for f in /proc/tcpmem $TM_DBG/states $TM_DBG/shared $TM_DBG/totals $TM_DBG/cgroups; do
		set -- $(open_cost $f)
		printf '| %-9s | %-30s | %12s | %12s | %12s | %9s |\n' "$tag" "$f" "$1" "$2" "$3" \
			"$(median_ms "cat $f")"
	done
}

# many netns, each with one listening socket (mknetns): what one open file
# holds, charged to the reader's memcg, against the same with a few netns
CG=/sys/fs/cgroup
if [ "$NETNS" -gt 0 ] && { grep -q "^[^ ]* $CG cgroup2 " /proc/mounts ||
	{ mkdir -p $CG && mount -t cgroup2 none $CG; }; } && echo +memory > $CG/cgroup.subtree_control; then
	echo
	echo "## memory per open file, charged to the reader's memcg (memory.current; peak: memory.peak, the walk's tables included)"
	echo "| netns     | file                           | at open, B   | after read, B | peak, B     | read, ms  |"
	echo "|-----------|--------------------------------|--------------|--------------|--------------|-----------|"
	tag="$(($(grep -c . $TM_DBG/shared)))"
	open_rows
	t0=$(cut -d' ' -f1 /proc/uptime)
	rm -f /tmp/tm_bn.ready
	"$TM_DIR/mknetns" "$NETNS" /tmp/tm_bn.inums /tmp/tm_bn.ready &
	tm_load_pid=$!
	if TM_WAIT_S=3600 tm_wait_file /tmp/tm_bn.ready; then
		made=$(awk -v t0="$t0" '{ printf "%.0f", $1 - t0 }' /proc/uptime)
		tag="$(($(grep -c . $TM_DBG/shared)))"
		open_rows
		echo "## $NETNS netns (mknetns: one listening socket each) made in $made s; netns = records in debugfs shared"
		echo "## at open: the snapshot (taken at open); after read: and the seq_file buffer"
		echo "## memory.current moves in the memcg's per-CPU charge batches (64 pages): below that, differences are noise"
		kill $tm_load_pid
		wait $tm_load_pid 2> /dev/null
	else
		echo "bad mknetns: $NETNS netns not made" >> $V
		kill $tm_load_pid 2> /dev/null
		wait $tm_load_pid 2> /dev/null
	fi
elif [ "$NETNS" -gt 0 ]; then
	echo "## no memory per open file: no cgroup2 memory controller on $CG"
fi

splats=$(dmesg | grep -E "$TM_SPLAT")
if [ -n "$splats" ]; then
	printf '%s\n' "$splats" | head -n 20 | sed 's/^/# /'
	echo "bad dmesg: a kernel BUG/WARNING/soft lockup/RCU stall/hung task line" >> $V
else
	echo "ok dmesg: no BUG/WARNING/soft lockup/RCU stall/hung task line (panic_on_warn, softlockup_panic on)" >> $V
fi
[ -z "$FLOOR" ] || rmmod tm_count
tm_unload

echo
sed 's/^/## check: /' $V
! grep -q '^bad' $V
