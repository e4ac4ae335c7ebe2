#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Churn + readers: 4 readers loop over /proc/tcpmem and every debugfs file
# (random buffer sizes, 1 byte sometimes; each read must be a complete,
# well-formed report) while two processes open and close loopback
# connections as fast as they can (ESTABLISHED <-> TIME_WAIT, a listener per
# round, IPv4 and IPv6; one of them also makes and destroys a netns each
# round). 60 s on the sanitizer and RT kernels, 15 s on the others.
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/stress.sh"

secs=$(tm_stress_secs)
ktap_plan 8
tm_unload
dmesg -c > /dev/null
if ! insmod "$TCPMEM_KO"; then
	ktap_fail "insmod"
	ktap_finish
fi
ktap_diag "$secs s of churn with 4 readers (kernel ${TCPMEM_KERNEL:-?})"
"$TM_STRESS" churn "$secs" 0 -n > /tmp/tm_churn0 2>&1 &
c0=$!
"$TM_STRESS" churn "$secs" 1 > /tmp/tm_churn1 2>&1 &
c1=$!
pids=
for r in 1 2 3 4; do
	"$TM_STRESS" read "$secs" $r > /tmp/tm_reader$r 2>&1 &
	pids="$pids $!"
done
# shellcheck disable=SC2086 # pids: one word each
tm_wait_results "reader %d: every read complete and well-formed, no error" /tmp/tm_reader $pids
rc=0
wait $c0 || rc=$?
tm_result "churn 0 (with a netns per round): no error" /tmp/tm_churn0 $rc
rc=0
wait $c1 || rc=$?
tm_result "churn 1: no error" /tmp/tm_churn1 $rc
ktap_check "rmmod after the churn" rmmod tcpmem
tm_check_splats "churn + readers"
ktap_finish
