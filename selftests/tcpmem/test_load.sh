#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load, unload, load again; /proc/tcpmem mode, header, permissions; no
# kernel address in anything the module prints.
. "$(dirname "$0")/lib.sh"

ktap_plan 12
tm_unload

dmesg -c > /dev/null
ktap_check "insmod" insmod "$TCPMEM_KO"
ktap_check "/proc/tcpmem exists" test -f /proc/tcpmem
mode=$(stat -c %a /proc/tcpmem 2>/dev/null)
ktap_check "/proc/tcpmem mode 0400 (is $mode)" test "$mode" = 400

page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
nodes=$(tm_count_list "$(cat /sys/devices/system/node/online)")
want="tcpmem 3 kernel $(uname -r) page $page nodes $nodes netns all"
got=$(head -n 1 /proc/tcpmem)
if [ "$got" = "$want" ]; then
	ktap_ok "header: $got"
else
	ktap_diag "want: $want"
	ktap_diag "got:  $got"
	ktap_fail "header"
fi

err=$("$TM_DIR/runas" 65534 cat /proc/tcpmem 2>&1 >/dev/null)
case $err in
*"Permission denied"*) ktap_ok "non-root reader gets EACCES" ;;
*) ktap_diag "runas nobody cat: $err"; ktap_fail "non-root reader gets EACCES" ;;
esac

ktap_check "debugfs layout exists" test -f $TM_DBG/layout

# Every output: /proc/tcpmem, every debugfs file, the module's dmesg lines.
out=/tmp/tm_all_output
cat /proc/tcpmem > $out
for f in $TM_DBG/*; do
	cat "$f" >> $out
done
dmesg | grep 'tcpmem' >> $out
if grep -Eiq 'ffff[0-9a-f]{12}|[0-9]{19,}' $out; then
	ktap_diag "$(grep -Ei 'ffff[0-9a-f]{12}|[0-9]{19,}' $out | head -5)"
	ktap_fail "no kernel address in any output"
else
	ktap_ok "no kernel address in any output ($(wc -l < $out) lines)"
fi

ktap_check "rmmod" rmmod tcpmem
ktap_check "/proc/tcpmem gone after rmmod" test ! -e /proc/tcpmem
ktap_check "debugfs directory gone after rmmod" test ! -e $TM_DBG
ktap_check "insmod again" insmod "$TCPMEM_KO"
lines=$(wc -l < /proc/tcpmem)
ktap_check "/proc/tcpmem readable after reload ($lines lines)" test "$lines" -ge 1
tm_unload
ktap_finish
