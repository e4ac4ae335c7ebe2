#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# buffer_bytes per family and state against the kernel's own figures for
# the same sockets: SO_MEMINFO, i.e. sk_get_meminfo(), what `ss -m` shows
# as skmem (ss itself has no skmem here: it needs inet_diag, a module this
# VM cannot load, and falls back to /proc/net/tcp). r = sk_rmem_alloc,
# w = sk_wmem_queued, f = sk_forward_alloc: the three fields tcpmem sums
# (module/tcp.c tm_count_full(): buffer_bytes = rmem + wmem_queued +
# max(forward_alloc, 0)). A load that holds unread data (receive queues),
# unsent data (write queues; FIN_WAIT1 with its FIN behind them), idle
# sockets and listeners, in a netns of its own, all held by tcpload (which
# reads SO_MEMINFO of each on SIGUSR2), so that every full socket tcpmem
# sees there has a figure of the kernel's own to compare with.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_bverdicts
: > $V
tm_fresh_load

if ! tm_tcpload -n -R -p 21000 est:50 unsent:20:262144 shut:10:4194304 cw:20 syn:20 \
	est6:20 unsent6:10:131072; then
	ktap_plan 1
	ktap_fail "tcpload"
	ktap_finish
fi
ns=$(readlink /proc/$tm_load_pid/ns/net | tr -dc 0-9)
sleep 1

# kernel_mem: "family state sockets r w f" per family and state from
# tcpload's SO_MEMINFO dump (a negative forward_alloc counts 0, as tcpmem)
kernel_mem()
{
	rm -f /tmp/tm_ready.mem
	kill -USR2 $tm_load_pid
	tm_wait_file /tmp/tm_ready.mem || return 1
	awk '{ k = $1 " " $2; N[k]++; R[k] += $3; W[k] += $4; if ($5 > 0) F[k] += $5 }
	END { for (k in N) print k, N[k], R[k] + 0, W[k] + 0, F[k] + 0 }' /tmp/tm_ready.mem | sort
}

# tm_mem: the same from tcpmem's full-socket records of the netns. Orphans
# (closed by tcpload, no fd, so no SO_MEMINFO: the closed ends of the cw
# pairs, a FIN_WAIT2 that was owned by the user when the last ACK came stays
# a full socket until its timer) are left out of the socket count; a state
# that holds nothing but orphans with no buffers is left out altogether.
tm_mem()
{
	awk -v ns="netns=$ns" '$1 == ns && $4 == "kind=full" {
		delete r; for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
		k = r["family"] " " r["state"]
		N[k] += r["sockets"] - r["orphans"]; R[k] += r["rmem"]; W[k] += r["wmem_queued"]; F[k] += r["fwd_alloc"]
		B[k] += r["buffer_bytes"]
	} END { for (k in N) if (N[k] || B[k]) print k, N[k], R[k], W[k], F[k], B[k] }' "$1" | sort
}

tries=0
while [ $tries -lt 30 ]; do
	kernel_mem > /tmp/tm_b1
	cat $TM_DBG/states > /tmp/tm_bs
	kernel_mem > /tmp/tm_b2
	[ -s /tmp/tm_b1 ] && cmp -s /tmp/tm_b1 /tmp/tm_b2 && break
	tries=$((tries + 1))
	sleep 0.5
done
if [ $tries = 30 ]; then
	echo "bad SO_MEMINFO never held still (or never came) over 30 reads" >> $V
else
	tm_mem /tmp/tm_bs > /tmp/tm_bm
	# one verdict per family and state the kernel has figures for
	awk '
	FNR == NR { k = $1 " " $2; n[k] = $3; r[k] = $4; w[k] = $5; f[k] = $6; next }
	{ k = $1 " " $2; mine[k] = $0 }
	END {
		for (k in n) {
			split(mine[k], m, " ")
			want = n[k] " " r[k] " " w[k] " " f[k] " " r[k] + w[k] + f[k]
			got = m[3] + 0 " " m[4] + 0 " " m[5] + 0 " " m[6] + 0 " " m[7] + 0
			if (want == got)
				print "ok buffers " k ": sockets r w f r+w+f = SO_MEMINFO: " got
			else
				print "bad buffers " k ": SO_MEMINFO [" want "] tcpmem [" got "] (sockets rmem wmem_queued fwd_alloc buffer_bytes)"
		}
		for (k in mine)
			if (!(k in n))
				print "bad buffers " k ": tcpmem has full sockets tcpload does not hold: " mine[k]
	}' /tmp/tm_b1 /tmp/tm_bm | sort >> $V
	# not a vacuous comparison: the load's data is there
	awk '{ r += $4; w += $5 } END { print r, w }' /tmp/tm_b1 > /tmp/tm_brw
	read -r rsum wsum < /tmp/tm_brw
	if [ "$rsum" -gt 0 ] && [ "$wsum" -gt 0 ]; then
		echo "ok the load holds data: $rsum B unread, $wsum B unsent (SO_MEMINFO)" >> $V
	else
		echo "bad the load holds no data: $rsum B unread, $wsum B unsent (SO_MEMINFO)" >> $V
	fi
fi
tm_tcpload_stop
tm_wait_netns_gone "$(readlink /proc/self/ns/net | tr -dc 0-9)" ||
	echo "bad the load's netns did not go away in 50 s" >> $V
tm_unload

ktap_verdicts $V
ktap_finish
