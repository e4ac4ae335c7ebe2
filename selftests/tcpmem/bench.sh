#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make bench: how long answering "how many sockets per state, and what do
# they cost" takes with tcpmem, against the peers one would use instead,
# all measured in this VM run. Prints milliseconds per read (median of
# RUNS) and each peer's time as a ratio of tcpmem's /proc/tcpmem read.
. "$(dirname "$0")/lib.sh"

PAIRS=${BENCH_PAIRS:-20000}
TW=${BENCH_TW:-10000}
RUNS=${BENCH_RUNS:-7}
echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
echo 262144 > /proc/sys/net/ipv4/tcp_max_tw_buckets
echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse
tm_load || { dmesg | tail -n 5; exit 1; }
tm_tcpload -R est:$PAIRS tw:$TW || { echo "tcpload failed"; exit 1; }
echo "## $((2 * PAIRS)) ESTABLISHED + $TW TIME_WAIT loopback sockets; median of $RUNS runs"

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

base=
printf '%-58s %9s %7s\n' "what" "ms" "ratio"
row()
{
	ms=$(median_ms "$2")
	[ -n "$base" ] || base=$ms	# the first row is what the others are against
	printf '%-58s %9s %7s\n' "$1" "$ms" "$(awk -v a="$ms" -v b="$base" 'BEGIN { printf "%.2f", a / b }')"
}
row "tcpmem: cat /proc/tcpmem (states, caches, zones)" "cat /proc/tcpmem"
row "tcpmem: debugfs states" "cat $TM_DBG/states"
row "tcpmem: debugfs caches" "cat $TM_DBG/caches"
row "peer: ss -tanH | awk (count per state)" "ss -tanH | awk '{ n[\$1]++ } END { for (s in n) print s, n[s] }'"
row "peer: /proc/net/tcp{,6} | awk (count per state)" \
	"cat /proc/net/tcp /proc/net/tcp6 | awk '{ n[\$4]++ } END { for (s in n) print s, n[s] }'"
row "peer: ss -s (totals only)" "ss -s"
row "peer: cat /proc/slabinfo" "cat /proc/slabinfo"
echo "## ratio = time / time of cat /proc/tcpmem (lower is faster)"
echo "## module size in memory: $(awk '$1 == "tcpmem" { print $2 }' /proc/modules) bytes (/proc/modules)"
tm_tcpload_stop
tm_unload
