# SPDX-License-Identifier: GPL-2.0
# Helpers of the load/unload/fault/bad-input tests (sourced after lib.sh).

TM_STRESS=$TM_DIR/tmstress

# The kernel log lines that mean a kernel bug: what scripts/run-vm.sh looks
# for on the console, here for dmesg (tests that hide expected allocation
# failure traces from the console check the log themselves).
TM_SPLAT='BUG:|WARNING:|Oops|Kernel panic|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN:|rcu_sched detected stalls|rcu: INFO|hung_task|blocked for more than'

# tm_stress_secs: how long the churn runs on this kernel ($TCPMEM_KERNEL, the
# matrix name): 60 s on the sanitizer and RT kernels, 15 s on the others;
# TM_STRESS_SECS overrides
tm_stress_secs()
{
	case ${TCPMEM_KERNEL:-} in
	6.12-san | 6.12-rt) tm_secs=60 ;;
	*) tm_secs=15 ;;
	esac
	echo "${TM_STRESS_SECS:-$tm_secs}"
}

# tm_check_splats WHAT: one result: no bug line in dmesg since the last
# dmesg -c
tm_check_splats()
{
	tm_splats=$(dmesg | grep -E "$TM_SPLAT")
	if [ -n "$tm_splats" ]; then
		ktap_diag "$(printf '%s\n' "$tm_splats" | head -n 20)"
		ktap_fail "no kernel BUG/WARNING/lockdep/KASAN/RCU line in dmesg ($1)"
	else
		ktap_ok "no kernel BUG/WARNING/lockdep/KASAN/RCU line in dmesg ($1)"
	fi
}

# tm_result NAME OUTFILE RC: a result from a helper's exit status, its
# output as diagnostics
tm_result()
{
	ktap_diag "$(sed 's/^# //' "$2")"
	if [ "$3" -eq 0 ]; then
		ktap_ok "$1"
	else
		ktap_fail "$1"
	fi
}

# tm_wait_results WHAT OUTPREFIX PID...: one result per helper PID, in
# order, "WHAT N" named, with OUTPREFIX<N> as its diagnostics
tm_wait_results()
{
	tm_what=$1 tm_out=$2
	shift 2
	tm_i=0
	for tm_pid in "$@"; do
		tm_i=$((tm_i + 1))
		tm_rc=0
		wait "$tm_pid" || tm_rc=$?
		tm_result "$(printf "$tm_what" $tm_i)" "$tm_out$tm_i" $tm_rc
	done
}
