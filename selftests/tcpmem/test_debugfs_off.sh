#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# With debugfs=off on the kernel command line the module still loads, says
# so in dmesg, and /proc/tcpmem works: its ESTABLISHED count is ss's.
# Runs in a boot of its own (scripts/check.sh: debugfs=off
# tcpmem.only=test_debugfs_off.sh); skipped in a boot with debugfs.
. "$(dirname "$0")/lib.sh"

if ! grep -qw 'debugfs=off' /proc/cmdline; then
	ktap_plan 1
	ktap_skip "debugfs_off" "needs a debugfs=off boot (scripts/check.sh makes one)"
	ktap_finish
fi
ktap_plan 6
tm_unload

# debugfs is really off: it cannot be mounted
mkdir -p /tmp/tm_dbgfs
if mount -t debugfs debugfs /tmp/tm_dbgfs 2>/dev/null; then
	umount /tmp/tm_dbgfs
	ktap_fail "debugfs=off: debugfs cannot be mounted"
else
	ktap_ok "debugfs=off: debugfs cannot be mounted"
fi

dmesg -c > /dev/null
ktap_check "insmod" insmod "$TCPMEM_KO"
msg=$(dmesg | grep 'tcpmem: debugfs unavailable' | sed "s/^\[[^]]*\] //")
if [ -n "$msg" ]; then
	ktap_ok "dmesg: $msg"
else
	ktap_diag "$(dmesg | tail -n 5)"
	ktap_fail "dmesg names the missing debugfs"
fi

tm_tcpload -R est:5
want=$(ss -4 -tanH | awk '$1 == "ESTAB" { n++ } END { print n + 0 }')
got=$(awk '$1 == "ESTABLISHED" && $2 == "inet" { print $3 }' /proc/tcpmem)
tm_tcpload_stop
if [ "$want" -gt 0 ] && [ "$got" = "$want" ]; then
	ktap_ok "/proc/tcpmem: $got ESTABLISHED inet sockets = ss"
else
	ktap_fail "/proc/tcpmem: ESTABLISHED inet sockets [$got], ss [$want]"
fi

ktap_check "rmmod" rmmod tcpmem
ktap_check "/proc/tcpmem gone after rmmod" test ! -e /proc/tcpmem
ktap_finish
