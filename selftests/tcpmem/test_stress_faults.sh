#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults (kernels with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and the
# stack trace filter: the sanitizer kernel). Slab and page allocations made
# with tcpmem code on the stack (require-start/end) are failed:
# - insmod: /proc/thread-self/fail-nth = 1, 2, ... until a load goes through
#   with no fault injected, so every allocation point of the load fails once
#   (range: all module text, since tcpmem's address is not known before the
#   load; the task is the only one loading a module);
# - reads: the same for open + read of /proc/tcpmem and every debugfs file
#   (range: the loaded module's text from /sys/module/tcpmem/sections);
# - 2 readers with make-it-fail set, probability 10 % (task filter) for a
#   while.
# A load must fail cleanly (an error, nothing left behind) or pass; a read
# must fail with an error or be well-formed; no splat; kmemleak (when the
# kernel has it) finds nothing allocated from module text.
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/stress.sh"
. "$TM_DIR/kmemleak.sh"

FS=/sys/kernel/debug/failslab
FP=/sys/kernel/debug/fail_page_alloc
if [ ! -d $FS ] || [ ! -d $FP ] || [ ! -e $FS/require-start ] || [ ! -e /proc/self/fail-nth ]; then
	ktap_plan 0
	echo "# SKIP no fault injection here (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
	exit $KSFT_SKIP
fi
ktap_plan 8
tm_unload
[ ! -w $KML ] || echo clear > $KML

# inject FIELD VALUE: the same setting in failslab and fail_page_alloc
inject()
{
	echo "$2" > $FS/"$1"
	echo "$2" > $FP/"$1"
}
inject probability 0
inject verbose 0
inject interval 1
inject space 0
inject times -1
inject stacktrace-depth 32
inject task-filter Y
echo N > $FS/ignore-gfp-wait
echo N > $FP/ignore-gfp-wait
echo N > $FP/ignore-gfp-highmem
echo 0 > $FP/min-order
# The failed allocations print warnings with call traces (page allocation
# failure, vmalloc error): keep them off the console that scripts/run-vm.sh
# scans; tm_check_splats reads dmesg for real bugs instead.
printk=$(cut -f1 /proc/sys/kernel/printk)
echo 4 > /proc/sys/kernel/printk
dmesg -c > /dev/null

ranges=/tmp/tm_fault_ranges
: > $ranges
tm_kml_modules_range $ranges || ktap_diag "no _end in /proc/kallsyms"
read -r _ _ mod_lo mod_hi < $ranges
inject require-start "$mod_lo"
inject require-end "$mod_hi"
# Not the kernel's per-read buffer of the sysfs file the load reads BTF from
# (kernfs_fop_read_iter: one allocation per page of /sys/kernel/btf/vmlinux: thousands of loads)
read -r rej_lo rej_hi <<EOT
$(awk 'NR == FNR { if ($3 == "kernfs_fop_read_iter") a = $1; next }
	length($1) == 16 && $1 > a && (b == "" || $1 < b) { b = $1 }
	END { if (a != "" && b != "") print "0x" a, "0x" b }' /proc/kallsyms /proc/kallsyms)
EOT
if [ -n "$rej_lo" ]; then
	inject reject-start "$rej_lo"
	inject reject-end "$rej_hi"
fi
ktap_diag "insmod: failing allocations with a frame in $mod_lo..$mod_hi (module text), none in kernfs_fop_read_iter ${rej_lo:-?}..${rej_hi:-?}"
rc=0
"$TM_STRESS" faultload "$TCPMEM_KO" > /tmp/tm_fl 2>&1 || rc=$?
tm_result "insmod with each allocation point failed in turn: refused cleanly or loaded" /tmp/tm_fl $rc

tm_load
read -r lo hi <<EOT
$("$TM_STRESS" textrange "$TCPMEM_KO" tcpmem | tail -n 1)
EOT
inject require-start "$lo"
inject require-end "$hi"
inject reject-start 0
inject reject-end 0
ktap_diag "reads: failing allocations with a frame in tcpmem's text $lo..$hi"
rc=0
"$TM_STRESS" faultread /proc/tcpmem $TM_DBG/* > /tmp/tm_fr 2>&1 || rc=$?
tm_result "open+read of every file with each allocation point failed in turn: an error or a right report" /tmp/tm_fr $rc

secs=$(($(tm_stress_secs) / 3))
big=1000000
inject times $big
inject probability 10
"$TM_STRESS" read "$secs" 1 -f > /tmp/tm_fr1 2>&1 &
p1=$!
"$TM_STRESS" read "$secs" 2 -f > /tmp/tm_fr2 2>&1 &
p2=$!
"$TM_STRESS" read "$secs" 3 > /tmp/tm_fr3 2>&1 &
p3=$!
rc1=0 rc2=0 rc3=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
wait $p3 || rc3=$?
inject probability 0
rand=$((2 * big - $(cat $FS/times) - $(cat $FP/times)))
inject times -1
tm_result "reader 1 with 10 % of its allocations failed: ENOMEM or a right report" /tmp/tm_fr1 $rc1
tm_result "reader 2 with 10 % of its allocations failed: ENOMEM or a right report" /tmp/tm_fr2 $rc2
tm_result "reader 3 alongside, no faults of its own: no error" /tmp/tm_fr3 $rc3
inject require-start 0
inject require-end 0xffffffffffffffff
inject task-filter N
ktap_check "rmmod after the faults" rmmod tcpmem

# counts
fl=$(sed -n 's/^# faultload: //p' /tmp/tm_fl)
fr=$(sed -n 's/^# faultread: //p' /tmp/tm_fr)
val() { printf '%s\n' "$1" | sed -n "s/.*$2=\([0-9]*\).*/\1/p"; }
l_inj=$(val "$fl" "faults injected") l_ref=$(val "$fl" "loads refused")
r_inj=$(val "$fr" "faults injected") r_fail=$(val "$fr" "reads failed")
p_fail=$(cat /tmp/tm_fr1 /tmp/tm_fr2 | sed -n 's/.* ENOMEM=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')

leaks=na
if [ -w $KML ]; then
	tm_kml_scan /tmp/tm_kml
	tm_kml_leaks /tmp/tm_kml $ranges tcpmem > /tmp/tm_kml_found
	hits=$(cat /tmp/tm_kml_found)
	leaks=$tm_kml_n
	if [ "$leaks" -eq 0 ]; then
		ktap_ok "kmemleak: nothing allocated from module text is leaked ($(grep -c 'unreferenced object' /tmp/tm_kml) reports in all)"
	else
		ktap_diag "$(printf '%s\n' "$hits" | head -n 40)"
		ktap_fail "kmemleak: $leaks objects allocated from module text are leaked"
	fi
else
	ktap_skip "kmemleak" "not in this kernel"
fi
ktap_diag "fault injection: faults injected=$((l_inj + r_inj + rand)) (insmod $l_inj, reads fail-nth $r_inj, reads at 10 % $rand), loads refused=$l_ref, reads failed=$((r_fail + p_fail)) (fail-nth $r_fail, at 10 % $p_fail), leaks=$leaks"
ktap_diag "allocation failure reports in dmesg: $(dmesg | grep -cE 'page allocation failure|vmalloc error')"
tm_check_splats "fault injection"
echo "$printk" > /proc/sys/kernel/printk
ktap_finish
