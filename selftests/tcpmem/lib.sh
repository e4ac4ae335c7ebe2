# SPDX-License-Identifier: GPL-2.0
# Helpers for the tcpmem selftests (POSIX sh; runs under busybox), on top of
# kselftest's ktap_helpers.sh. Exit codes follow kselftest: 0 pass, 1 fail,
# 4 skip.

TCPMEM_KO=${TCPMEM_KO:-/tcpmem/tcpmem.ko}
TM_DBG=/sys/kernel/debug/tcpmem
TM_DIR=$(dirname "$0")
# when the test started (seconds since boot), for the time ktap_finish prints
TM_T0=$(cut -d' ' -f1 /proc/uptime)

# The kernel's KTAP helpers (KSFT_PASS/FAIL/SKIP, ktap_test_*, the KTAP_CNT_*
# counters), installed beside this collection by kselftest's install rule.
# shellcheck source=/dev/null
. "$TM_DIR/../kselftest/ktap_helpers.sh"

ktap_plan()
{
	ktap_print_header
	ktap_set_plan "$1"
}

ktap_ok()
{
	ktap_test_pass "$*"
}

ktap_fail()
{
	ktap_test_fail "$*"
}

# ktap_skip NAME REASON...: a skip always says why
ktap_skip()
{
	tm_name=$1
	shift
	ktap_test_skip "$tm_name: $*"
}

# ktap_check NAME CMD...: one result from a command's exit status
ktap_check()
{
	tm_name=$1
	shift
	if "$@"; then
		ktap_ok "$tm_name"
	else
		ktap_fail "$tm_name"
	fi
}

ktap_diag()
{
	echo "$*" | sed 's/^/# /'
}

# ktap_finish: the totals; exit 1 on a failure or when fewer results than
# planned arrived, 4 when everything was skipped, else 0
ktap_finish()
{
	echo "# $(basename "$0") took $(awk -v t0="$TM_T0" '{ printf "%.1f", $1 - t0 }' /proc/uptime) s"
	ktap_print_totals
	[ "$KTAP_CNT_FAIL" -eq 0 ] || exit "$KSFT_FAIL"
	if [ $((KTAP_CNT_PASS + KTAP_CNT_SKIP)) -ne "$KSFT_NUM_TESTS" ]; then
		echo "# $((KTAP_CNT_PASS + KTAP_CNT_SKIP)) results for a plan of $KSFT_NUM_TESTS"
		exit "$KSFT_FAIL"
	fi
	[ "$KTAP_CNT_PASS" -gt 0 ] || [ "$KTAP_CNT_SKIP" -eq 0 ] || exit "$KSFT_SKIP"
	exit "$KSFT_PASS"
}

# ktap_verdicts FILE: the plan, then one result per verdict line of FILE:
# "ok TEXT", "bad TEXT", "skip NAME REASON"; lines starting "#" pass through
ktap_verdicts()
{
	ktap_plan "$(grep -c '^[a-z]' "$1")"
	while read -r tm_verdict tm_rest; do
		case $tm_verdict in
		ok) ktap_ok "$tm_rest" ;;
		bad) ktap_fail "$tm_rest" ;;
		skip) ktap_skip "${tm_rest%% *}" "${tm_rest#* }" ;;
		*) echo "$tm_verdict $tm_rest" ;;
		esac
	done < "$1"
}

tm_loaded()
{
	grep -q '^tcpmem ' /proc/modules
}

tm_load()
{
	tm_loaded || insmod "$TCPMEM_KO" "$@"
}

tm_unload()
{
	! tm_loaded || rmmod tcpmem
}

# tm_fresh_load [PARAMS...]: tcpmem loaded anew; if insmod fails, that is
# the test's one result
tm_fresh_load()
{
	tm_unload
	tm_insmod_or_fail "$@"
}

# tm_insmod_or_fail ARGS...: load the module, or report one failed result
# and end the test
tm_insmod_or_fail()
{
	insmod "$TCPMEM_KO" "$@" && return 0
	ktap_plan 1
	ktap_fail "insmod $*"
	ktap_finish
}

# tm_count_list "0-1,3": how many ids a kernel cpulist/nodelist names
tm_count_list()
{
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1; next } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}

# tm_wait_file FILE: until tcpload ($tm_load_pid) writes FILE (5 min at
# most, TM_WAIT_S seconds if set: the bench's 150k sockets under TCG)
tm_wait_file()
{
	tm_i=0
	while [ ! -f "$1" ] && [ $tm_i -lt $((${TM_WAIT_S:-300} * 5)) ]; do
		kill -0 $tm_load_pid 2>/dev/null || return 1
		sleep 0.2
		tm_i=$((tm_i + 1))
	done
	[ -f "$1" ]
}

# tm_tcpload ARGS...: start tcpload in the background holding ARGS' mix and
# wait until it is in place; its pid is in $tm_load_pid.
tm_tcpload()
{
	rm -f /tmp/tm_ready
	"$TM_DIR/tcpload" -r /tmp/tm_ready "$@" &
	tm_load_pid=$!
	tm_wait_file /tmp/tm_ready
}

tm_tcpload_stop()
{
	kill $tm_load_pid
	wait $tm_load_pid
}

# tm_stat_field FILE FAMILY STATE KEY NETNS: sum of KEY over the states
# records of FAMILY and STATE in NETNS (an inode number, or "any")
tm_stat_field()
{
	awk -v f="family=$2" -v s="state=$3" -v k="$4" -v ns="netns=$5" '
	(ns == "netns=any" || $1 == ns) && $2 == f && $3 == s {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) t += kv[2] }
	} END { print t + 0 }' "$1"
}

# tm_debug_kernel: the debugging features that make Slab: grow with every
# allocation (KASAN's quarantine and metadata, kmemleak's objects); empty
# on a production kernel
tm_debug_kernel()
{
	tm_dbg=
	# kallsyms, not the boot line, which may have left the dmesg ring
	grep -qw kasan_report /proc/kallsyms && tm_dbg="KASAN"
	[ -e /sys/kernel/debug/kmemleak ] && tm_dbg="$tm_dbg kmemleak"
	echo $tm_dbg
}

# tm_slab_kb: Slab: in kB, after every cache returned its free per-CPU and
# empty slabs (what slabinfo -s does) and the per-CPU vmstat deltas folded:
# what is left is the slabs live objects need
tm_slab_kb()
{
	tm_shrink_all
	tm_meminfo_slab
}

tm_shrink_all()
{
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f"
	done
}

tm_meminfo_slab()
{
	echo 1 > /proc/sys/vm/stat_refresh
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

# tm_slab_settled: tm_slab_kb once two readings a second apart agree within
# 0.1% (20 s at most): objects freed after an RCU grace period (socket
# inodes, dentries; slabs of SLAB_TYPESAFE_BY_RCU caches) of what came
# before are gone by then
tm_slab_settled()
{
	tm_i=0
	tm_a=$(tm_slab_kb)
	while [ $tm_i -lt 20 ]; do
		sleep 1
		tm_b=$(tm_slab_kb)
		tm_dd=$((tm_a > tm_b ? tm_a - tm_b : tm_b - tm_a))
		[ $((tm_dd * 1000)) -le "$tm_b" ] && break
		tm_a=$tm_b
		tm_i=$((tm_i + 1))
	done
	echo "$tm_b"
}

# tm_slab_total FILE: slab bytes of every state record plus the shared
# buckets; the states read are left in FILE. With TM_TOTAL_FROM=totals:
# tcp_slab_bytes of debugfs totals instead (the headline of /proc/tcpmem)
tm_slab_total()
{
	cat $TM_DBG/states > "$1"
	if [ "${TM_TOTAL_FROM:-}" = totals ]; then
		# the headline's figure (debugfs totals, kept in FILE.totals)
		cat $TM_DBG/totals > "$1.totals"
		sed -n 's/.* tcp_slab_bytes=\([0-9]*\).*/\1/p' "$1.totals"
		return
	fi
	cat "$1" $TM_DBG/shared | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == "slab_bytes" || kv[1] == "bind_bytes" || kv[1] == "bind2_bytes") t += kv[2] }
	} END { printf "%d\n", t }'
}

# tm_wait_netns_gone INUM: until the module sees no netns but INUM (50 s)
tm_wait_netns_gone()
{
	tm_i=0
	while [ $tm_i -lt 100 ]; do
		[ "$(grep -vc "^netns=$1 " $TM_DBG/shared)" = 0 ] && return 0
		sleep 0.5
		tm_i=$((tm_i + 1))
	done
	return 1
}

# tm_page_scale N: N times the kernel's page size over 4 KiB (N on a 4K-page
# kernel, 4N on a 16K-page one). The slab experiments' counts were chosen
# for 4 KiB pages: what Slab: holds beyond the objects (the partly filled
# slabs each CPU and node keeps) grows with the slab size, so with the page;
# counts scaled with it keep that slack the same share of the growth, and
# the 2% tolerance the same error per socket
tm_page_scale()
{
	echo $(($1 * $(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps) / 4))
}

# tm_experiment TAG FAMILY STATE TCPLOAD-ARGS...: tcpload makes its sockets
# between two readings of Slab: (each after a shrink and a tcpmem read) and
# of the slab bytes tcpmem predicts (tm_slab_total); "ok"/"bad" to $V: the
# prediction within 2% of the growth (TM_TOL: another bound, in 1/1000,
# where a row's sizes had to shrink: see test_states.sh). The delta per family, state and kind goes to $V as "#" lines,
# with the resolution: the error in the per-socket figure of FAMILY STATE
# alone that would still pass. Leaves tcpload running ($tm_load_pid; the
# readings in /tmp/tm_e0 and /tmp/tm_e1, the socket count in $tm_x_n).
# With $tm_x_cache set, that cache's slabs (sysfs) are read with Slab:, into
# $tm_c0 and $tm_c1.
tm_experiment()
{
	tm_tag=$1
	tm_fam=$2
	tm_state=$3
	shift 3
	rm -f /tmp/tm_ready /tmp/tm_ready.set
	# between the two readings nothing forks but tcpload's TIME_WAIT
	# workers: a process made and ended leaves slabs of its own objects
	# (on 16 KiB pages, 16-128 KiB each) that Slab: would count. So
	# tcpload's "ready" comes through a FIFO, held open read-write on fd 3
	# (an open that waits for no writer), read by the shell's builtin
	# read instead of a sleep per poll; the time from /proc/uptime
	mkfifo /tmp/tm_ready
	exec 3<>/tmp/tm_ready
	"$TM_DIR/tcpload" -S -R -r /tmp/tm_ready "$@" &
	tm_load_pid=$!
	tm_wait_file /tmp/tm_ready.set || { echo "bad $tm_tag: tcpload did not start" >> $V; exec 3<&-; return 1; }
	# in the order of the readings after the sockets: tcpmem, then Slab:
	# with no shrink between. Reading tcpmem allocates (its tables, the
	# seq_file buffers: kmalloc-cg-16k on 16 KiB pages) and frees; the
	# slabs that leaves empty stay until a shrink, so they are in both
	# Slab: readings or in neither
	tm_slab_settled > /dev/null
	[ -z "${tm_x_cache:-}" ] || read -r tm_c0 tm_rest < /sys/kernel/slab/$tm_x_cache/slabs
	tm_p0=$(tm_slab_total /tmp/tm_e0)
	tm_s0=$(tm_meminfo_slab)
	tm_u0=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
	cp /proc/slabinfo /tmp/tm_si0
	read -r tm_t tm_rest < /proc/uptime
	kill -USR1 $tm_load_pid
	# a second at a time: tcpload holds fd 3 too (inherited), so its end
	# is no end of file here; kill -0 tells
	tm_i=0
	until read -t 1 -r tm_rest <&3; do
		tm_i=$((tm_i + 1))
		if ! kill -0 $tm_load_pid 2>/dev/null || [ $tm_i -ge "${TM_WAIT_S:-300}" ]; then
			exec 3<&-
			echo "bad $tm_tag: tcpload failed (ended, or no ready in ${TM_WAIT_S:-300} s)" >> $V
			return 1
		fi
	done
	exec 3<&-
	read -r tm_made tm_rest < /proc/uptime
	tm_made=$((${tm_made%.*} - ${tm_t%.*}))
	echo "# $tm_tag: sockets made in $tm_made s"
	# what the load freed after a grace period (the inodes and dentries of
	# the sockets it closed) goes first; TIME_WAIT sockets do not settle
	# (they expire from 60 s on), and for all tcpmem is read right after
	# the shrink, right before the vmstat fold and Slab:
	if [ "$tm_state" = TIME_WAIT ]; then
		sleep 1
	else
		tm_slab_settled > /dev/null
	fi
	tm_shrink_all
	[ -z "${tm_x_cache:-}" ] || read -r tm_c1 tm_rest < /sys/kernel/slab/$tm_x_cache/slabs
	tm_p1=$(tm_slab_total /tmp/tm_e1)
	tm_s1=$(tm_meminfo_slab)
	tm_u1=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
	cp /proc/slabinfo /tmp/tm_si1
	tm_x_n=$(( $(tm_stat_field /tmp/tm_e1 "$tm_fam" "$tm_state" sockets any) -
		   $(tm_stat_field /tmp/tm_e0 "$tm_fam" "$tm_state" sockets any) ))
	tm_bps=$(tm_stat_field /tmp/tm_e1 "$tm_fam" "$tm_state" bytes_per_socket any)
	tm_pred=$((tm_p1 - tm_p0))
	tm_meas=$(((tm_s1 - tm_s0) * 1024))
	tm_d=$((tm_pred > tm_meas ? tm_pred - tm_meas : tm_meas - tm_pred))
	awk '{ delete r; for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
	  k = r["family"] " " r["state"] " kind=" r["kind"]; s = FILENAME == ARGV[1] ? -1 : 1
	  n[k] += s * r["sockets"]; b[k] += s * r["slab_bytes"] }
	END { for (k in n) if (n[k] || b[k])
		printf "# %s: %+d sockets, %+d predicted slab bytes%s\n", k, n[k], b[k],
		       n[k] ? sprintf(" (%d B each)", b[k] / n[k]) : "" }' /tmp/tm_e0 /tmp/tm_e1 |
		sort >> $V
	# where Slab: grew most, per /proc/slabinfo (num_slabs x pages per slab)
	awk -v page="$(($(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps) * 1024))" '
	FNR > 2 { b = $15 * $6 * page; if (FILENAME == ARGV[1]) g[$1] -= b; else g[$1] += b }
	END { for (c in g) if (g[c] != 0) print g[c], c }' /tmp/tm_si0 /tmp/tm_si1 |
		sort -rn | head -n 6 | awk -v t="$tm_tag" '{ s = s " " $2 " " $1 } END { print "# " t ": most growth (slabinfo, B):" s }' >> $V
	tm_line="$tm_tag: $tm_x_n new $tm_fam $tm_state sockets, predicted slab growth $tm_pred B, Slab: grew $tm_meas B ($((tm_d * 1000 / (tm_meas > 0 ? tm_meas : 1)))/1000 off, at most ${TM_TOL:-20}); $tm_bps B per $tm_state socket"
	if [ "$tm_x_n" -gt 0 ]; then
		echo "# $tm_tag: resolution: ${TM_TOL:-20}/1000 of the growth is $((tm_meas * ${TM_TOL:-20} / 1000)) B, $((tm_meas * ${TM_TOL:-20} / 1000 / tm_x_n)) B per $tm_fam $tm_state socket" >> $V
	fi
	if [ "$tm_state" = TIME_WAIT ] && [ "$tm_made" -ge 50 ]; then
		# the first expired before the last were made: the survivors
		# sit in slabs the expired ones left part empty
		echo "skip TIME_WAIT-experiment made in $tm_made s, near their 60 s life (too slow a machine): $tm_line" >> $V
	elif [ "$tm_x_n" -gt 0 ] && [ "$tm_meas" -gt 0 ] &&
	     [ $((tm_d * 1000)) -le $((tm_meas * ${TM_TOL:-20})) ]; then
		echo "ok $tm_line" >> $V
	else
		echo "bad $tm_line" >> $V
	fi
}

# tm_own_cache LABEL FAMILY STATE WHAT: after tm_experiment with
# $tm_x_cache set, that cache's own growth (sysfs: slabs x its slab size),
# which what other caches add or lose meanwhile does not move, against the
# slab bytes tcpmem predicts for FAMILY STATE without the objcg vectors'
# share (kmalloc objects, not in the cache): "ok"/"bad" to $V within 2%
tm_own_cache()
{
	tm_o=$(cat /sys/kernel/slab/$tm_x_cache/order)
	tm_pg=$(($(awk '/^KernelPageSize:/ { print $2; exit }' /proc/self/smaps) * 1024))
	tm_grown=$(((tm_c1 - tm_c0) * (tm_pg << tm_o)))
	tm_op=$(($(tm_stat_field /tmp/tm_e1 "$2" "$3" slab_bytes any) -
		$(tm_stat_field /tmp/tm_e1 "$2" "$3" vector_bytes any) -
		$(tm_stat_field /tmp/tm_e0 "$2" "$3" slab_bytes any) +
		$(tm_stat_field /tmp/tm_e0 "$2" "$3" vector_bytes any)))
	tm_od=$((tm_op > tm_grown ? tm_op - tm_grown : tm_grown - tm_op))
	tm_ol="$1: $tm_x_n $4, predicted $tm_op B, $tm_x_cache grew by $((tm_c1 - tm_c0)) slabs = $tm_grown B ($((tm_od * 1000 / (tm_grown > 0 ? tm_grown : 1)))/1000 off; resolution $((tm_grown / 50 / (tm_x_n > 0 ? tm_x_n : 1))) B per $4)"
	if [ "$tm_grown" -gt 0 ] && [ $((tm_od * 50)) -le "$tm_grown" ]; then
		echo "ok $tm_ol" >> $V
	else
		echo "bad $tm_ol" >> $V
	fi
}

# TM_SS_MAP: awk code mapping ss's state names (in $1) to the kernel's, as
# tcpmem prints them: st = the kernel's name
TM_SS_MAP='BEGIN { m["ESTAB"] = "ESTABLISHED"; m["SYN-SENT"] = "SYN_SENT"
	m["SYN-RECV"] = "SYN_RECV"; m["FIN-WAIT-1"] = "FIN_WAIT1"
	m["FIN-WAIT-2"] = "FIN_WAIT2"; m["TIME-WAIT"] = "TIME_WAIT"
	m["CLOSE-WAIT"] = "CLOSE_WAIT"; m["LAST-ACK"] = "LAST_ACK"
	m["LISTEN"] = "LISTEN"; m["CLOSING"] = "CLOSING"; m["UNCONN"] = "CLOSE" }
{ st = m[$1] ? m[$1] : $1 }'

# tm_btf_raw: the kernel's BTF as `bpftool btf dump ... format raw` prints
# it, dumped once per boot (slow without KVM) into /tmp; prints its path
tm_btf_raw()
{
	[ -s /tmp/tm_btf.raw ] ||
		bpftool btf dump file /sys/kernel/btf/vmlinux format raw > /tmp/tm_btf.raw
	echo /tmp/tm_btf.raw
}
