# SPDX-License-Identifier: GPL-2.0
# Helpers for the tcpmem selftests (POSIX sh; runs under busybox), on top of
# kselftest's ktap_helpers.sh. Exit codes follow kselftest: 0 pass, 1 fail,
# 4 skip.

TCPMEM_KO=${TCPMEM_KO:-/tcpmem/tcpmem.ko}
TM_DBG=/sys/kernel/debug/tcpmem
TM_DIR=$(dirname "$0")

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

# tm_count_list "0-1,3": how many ids a kernel cpulist/nodelist names
tm_count_list()
{
	echo "$1" | tr ',' '\n' | awk -F- 'NF == 2 { n += $2 - $1 + 1; next } NF == 1 && $1 != "" { n++ } END { print n + 0 }'
}

# tm_wait_file FILE: until tcpload ($tm_load_pid) writes FILE (5 min at most)
tm_wait_file()
{
	tm_i=0
	while [ ! -f "$1" ] && [ $tm_i -lt 1500 ]; do
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

# slab_kb: Slab: in kB, after every cache returned its free per-CPU and
# empty slabs (what slabinfo -s does) and the per-CPU vmstat deltas folded:
# what is left is the slabs live objects need
slab_kb()
{
	for f in /sys/kernel/slab/*/shrink; do
		echo 1 > "$f"
	done
	echo 1 > /proc/sys/vm/stat_refresh
	awk '/^Slab:/ { print $2 }' /proc/meminfo
}

# tm_slab_total: slab bytes of every tcpmem states record plus the shared
# buckets (the prediction the Slab: experiments check)
tm_slab_total()
{
	cat $TM_DBG/states $TM_DBG/shared | awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == "slab_bytes" || kv[1] == "bind_bytes" || kv[1] == "bind2_bytes") t += kv[2] }
	} END { printf "%d\n", t }'
}
