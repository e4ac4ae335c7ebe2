#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# After the suite, on kernels with kmemleak (the sanitizer kernel): load
# tcpmem, read every file it has while sockets come and go, and ask kmemleak
# for unreferenced objects allocated by tcpmem, before and after rmmod.
. "$(dirname "$0")/lib.sh"

KML=/sys/kernel/debug/kmemleak
if [ ! -w $KML ]; then
	ktap_plan 0
	echo "# SKIP kmemleak is not in this kernel (CONFIG_DEBUG_KMEMLEAK)"
	exit $KSFT_SKIP
fi
ktap_plan 3
echo clear > $KML
tm_unload
insmod "$TCPMEM_KO" extra_caches=kmalloc-128 || { ktap_fail "insmod"; ktap_finish; }
tm_tcpload -R est:200 tw:100 syn:20 raw:5 bound:5 || ktap_diag "tcpload failed"
for round in 1 2 3; do
	cat /proc/tcpmem > /dev/null
	for f in $TM_DBG/*; do
		cat "$f" > /dev/null
	done
done
tm_tcpload_stop

# check_leaks WHEN: one kmemleak scan; a result for objects allocated from
# tcpmem code, by kmemleak's backtraces (symbolized while the module is in,
# function names of ours once it is gone)
check_leaks()
{
	echo scan > $KML
	sleep 6		# kmemleak reports objects older than 5 s
	echo scan > $KML
	cat $KML > /tmp/tm_kml
	n=$(grep -c "unreferenced object" /tmp/tm_kml)
	pat='\[tcpmem\]|tcpmem_init|tm_[a-z_]+\+0x'
	if grep -qE "$pat" /tmp/tm_kml; then
		ktap_diag "$(grep -B2 -A12 -E "$pat" /tmp/tm_kml | head -n 30)"
		ktap_fail "kmemleak: objects allocated by tcpmem are leaked ($1)"
	else
		ktap_ok "kmemleak: nothing leaked by tcpmem $1 ($n reports in all)"
	fi
}

check_leaks "while loaded"
ktap_check "rmmod" rmmod tcpmem
check_leaks "after rmmod"
ktap_finish
