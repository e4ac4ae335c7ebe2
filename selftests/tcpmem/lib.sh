# SPDX-License-Identifier: GPL-2.0
# KTAP helpers for the tcpmem selftests (POSIX sh; runs under busybox).
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

TCPMEM_KO=${TCPMEM_KO:-/tcpmem/tcpmem.ko}
TM_DBG=/sys/kernel/debug/tcpmem
TM_DIR=$(dirname "$0")

tm_n=0
tm_pass=0
tm_fail=0
tm_skip=0

ktap_plan()
{
	echo "KTAP version 1"
	echo "1..$1"
}

ktap_ok()
{
	tm_n=$((tm_n + 1))
	tm_pass=$((tm_pass + 1))
	echo "ok $tm_n $*"
}

ktap_fail()
{
	tm_n=$((tm_n + 1))
	tm_fail=$((tm_fail + 1))
	echo "not ok $tm_n $*"
}

# ktap_skip NAME REASON...
ktap_skip()
{
	tm_name=$1
	shift
	tm_n=$((tm_n + 1))
	tm_skip=$((tm_skip + 1))
	echo "ok $tm_n $tm_name # SKIP $*"
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

ktap_finish()
{
	echo "# Totals: pass:$tm_pass fail:$tm_fail xfail:0 xpass:0 skip:$tm_skip error:0"
	[ "$tm_fail" -eq 0 ] || exit $KSFT_FAIL
	[ "$tm_pass" -gt 0 ] || [ "$tm_skip" -eq 0 ] || exit $KSFT_SKIP
	exit $KSFT_PASS
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
