#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unload under readers: 100 insmod/rmmod cycles while 4 readers loop over
# /proc/tcpmem and the debugfs files (a reader may see ENOENT, ENXIO from a
# debugfs open racing the unload, EIO from a /proc read after it; anything
# complete must be well-formed). Then rmmod in the middle of a read:
# - /proc/tcpmem: proc_remove() runs the open files down (their release is
#   called, later reads get EIO), so rmmod succeeds and the rest of the
#   read is EIO;
# - debugfs: an open file holds a reference on the module (fops owner), so
#   rmmod is refused (EAGAIN, "in use") and the rest of the read is intact.
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/stress.sh"

# the long run where it finds bugs (KASAN/lockdep, PREEMPT_RT), a shorter
# one on the other rows
case ${TCPMEM_KERNEL:-} in
6.12-san | 6.12-rt) cycles=${TM_UNLOAD_CYCLES:-100} ;;
*) cycles=${TM_UNLOAD_CYCLES:-25} ;;
esac
ktap_plan 12
tm_unload
dmesg -c > /dev/null

stop=/tmp/tm_stop_readers
rm -f $stop
pids=
for r in 1 2 3 4; do
	# /proc/tcpmem only: a debugfs open in the window where rmmod has
	# dropped the module's last reference but not yet marked it GOING hits
	# the kernel's own WARN in full_proxy_open() (fs/debugfs/file.c; seen
	# on 5.10, the window is there on every kernel). Debugfs under rmmod is
	# checked below, with a file held open.
	"$TM_STRESS" read $stop $r -u -p > /tmp/tm_ureader$r 2>&1 &
	pids="$pids $!"
done
rc=0
"$TM_STRESS" cycle "$cycles" "$TCPMEM_KO" > /tmp/tm_cycle 2>&1 || rc=$?
touch $stop
tm_result "$cycles insmod/rmmod cycles under 4 readers of /proc/tcpmem" /tmp/tm_cycle $rc
# shellcheck disable=SC2086 # pids: one word each
tm_wait_results "reader %d: only ENOENT/ENXIO/EIO, every complete read well-formed" /tmp/tm_ureader $pids
tm_unload

# hold FILE: open FILE, read 1 byte, rmmod, read the rest, close
hold()
{
	tm_load
	"$TM_STRESS" hold "$1" tcpmem /tmp/tm_held > /tmp/tm_hold 2>&1
	tm_hold=$(cat /tmp/tm_hold)
	ktap_diag "$1: $tm_hold"
}

hold /proc/tcpmem
case $tm_hold in
*"rmmod=0 rest=0 rest_err=EIO close=0"*)
	if tm_loaded || [ -e /proc/tcpmem ]; then
		ktap_fail "/proc/tcpmem held open: rmmod said yes but tcpmem is still there"
	else
		ktap_ok "/proc/tcpmem held open mid-read: rmmod succeeds, the rest of the read is EIO, close succeeds"
	fi ;;
*) ktap_fail "/proc/tcpmem held open mid-read: rmmod succeeds, the rest of the read is EIO, close succeeds" ;;
esac
ktap_check "/proc/tcpmem loads again after that" tm_load

tm_unload
tm_load
cat $TM_DBG/layout > /tmp/tm_layout_whole
hold $TM_DBG/layout
case $tm_hold in
*"rmmod=EAGAIN rest="*" rest_err=0 close=0"* | *"rmmod=EBUSY rest="*" rest_err=0 close=0"*)
	if cmp -s /tmp/tm_held /tmp/tm_layout_whole && tm_loaded; then
		ktap_ok "debugfs layout held open mid-read: rmmod refused (in use), the read completes identical to a whole read"
	else
		ktap_fail "debugfs layout held open mid-read: the read completes identical to a whole read, module still in"
	fi ;;
*) ktap_fail "debugfs layout held open mid-read: rmmod refused (in use), the read completes" ;;
esac
hold $TM_DBG/totals
case $tm_hold in
*"rmmod=EAGAIN rest="*" rest_err=0 close=0"* | *"rmmod=EBUSY rest="*" rest_err=0 close=0"*)
	ktap_ok "debugfs totals held open mid-read: rmmod refused (in use), the read completes" ;;
*) ktap_fail "debugfs totals held open mid-read: rmmod refused (in use), the read completes" ;;
esac
ktap_check "rmmod once the debugfs files are closed" rmmod tcpmem
ktap_check "nothing left after rmmod" test ! -e /proc/tcpmem -a ! -e $TM_DBG
tm_check_splats "insmod/rmmod under readers, rmmod mid-read"
ktap_finish
