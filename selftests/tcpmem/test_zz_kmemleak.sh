#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# After the suite, on kernels with kmemleak (the sanitizer kernel): load
# tcpmem, read every file it has while sockets come and go, and ask kmemleak
# for unreferenced objects allocated by tcpmem, before and after rmmod. An
# object is tcpmem's when a frame of its backtrace lies in tcpmem's text, by
# the address ranges recorded at load (after rmmod the frames are bare
# addresses). The same check must find the one object leaked on purpose by
# leakmod/tm_leak.ko, loaded and unloaded the same way.
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/kmemleak.sh"

if [ ! -w $KML ]; then
	ktap_plan 0
	echo "# SKIP kmemleak is not in this kernel (CONFIG_DEBUG_KMEMLEAK)"
	exit $KSFT_SKIP
fi
ktap_plan 5
echo clear > $KML
tm_unload
ranges=/tmp/tm_kml_ranges
: > $ranges
insmod "$TCPMEM_KO" extra_caches=kmalloc-128 || { ktap_fail "insmod"; ktap_finish; }
if tm_kml_record tcpmem "$TCPMEM_KO" $ranges; then
	ktap_ok "tcpmem text ranges recorded at load: $(awk '{ printf "%s%s", s, $2; s = " " }' $ranges)"
else
	ktap_fail "tcpmem text ranges recorded at load"
fi
tm_tcpload -R est:200 tw:100 syn:20 raw:5 bound:5 || ktap_diag "tcpload failed"
for _ in 1 2 3; do
	cat /proc/tcpmem > /dev/null
	for f in $TM_DBG/*; do
		cat "$f" > /dev/null
	done
done
tm_tcpload_stop

# check_leaks MODULE RANGES WHEN: one result from a kmemleak scan
check_leaks()
{
	tm_kml_scan /tmp/tm_kml
	n=$(grep -c "unreferenced object" /tmp/tm_kml)
	tm_kml_leaks /tmp/tm_kml "$2" "$1" > /tmp/tm_kml_found
	hits=$(cat /tmp/tm_kml_found)
	if [ "$tm_kml_n" -gt 0 ]; then
		ktap_diag "$(printf '%s\n' "$hits" | head -n 30)"
		ktap_fail "kmemleak: $tm_kml_n objects allocated by $1 are leaked ($3)"
	else
		ktap_ok "kmemleak: nothing leaked by $1 $3 ($n reports in all)"
	fi
}

check_leaks tcpmem $ranges "while loaded"
ktap_check "rmmod" rmmod tcpmem
check_leaks tcpmem $ranges "after rmmod"

# The check can fail: tm_leak.ko leaks one kmalloc() in its __init function.
leak_ko=$TM_DIR/leakmod/tm_leak.ko
leak_ranges=/tmp/tm_kml_leak_ranges
: > $leak_ranges
if [ ! -f "$leak_ko" ]; then
	ktap_fail "leakmod/tm_leak.ko was not built for this kernel"
elif ! insmod "$leak_ko"; then
	ktap_fail "insmod leakmod/tm_leak.ko"
else
	tm_kml_record tm_leak "$leak_ko" $leak_ranges
	rmmod tm_leak
	tm_kml_scan /tmp/tm_kml
	tm_kml_leaks /tmp/tm_kml $leak_ranges tm_leak > /tmp/tm_kml_found
	hits=$(cat /tmp/tm_kml_found)
	ktap_diag "$(printf '%s\n' "$hits" | head -n 12)"
	if [ "$tm_kml_n" -ge 1 ] && printf '%s\n' "$hits" | grep -q '^    0x'; then
		ktap_ok "the after-rmmod check finds tm_leak.ko's deliberate leak ($tm_kml_n object(s), by address)"
	else
		ktap_diag "ranges: $(cat $leak_ranges)"
		ktap_fail "the after-rmmod check finds tm_leak.ko's deliberate leak (found $tm_kml_n)"
	fi
fi
ktap_finish
