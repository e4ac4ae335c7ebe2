#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad module parameters refuse the load with a dmesg line naming the
# parameter, and leave nothing behind; good ones load.
. "$(dirname "$0")/lib.sh"

ktap_plan 7
tm_unload

# refused NAME DMESG_PATTERN PARAM...
refused()
{
	tm_name=$1
	tm_pat=$2
	shift 2
	dmesg -c > /dev/null
	if insmod "$TCPMEM_KO" "$@" 2>/dev/null; then
		rmmod tcpmem
		ktap_fail "$tm_name: load was not refused"
		return
	fi
	msg=$(dmesg | grep -E "$tm_pat" | head -n 1 | sed "s/^\[[^]]*\] //")
	if [ -z "$msg" ]; then
		ktap_diag "$(dmesg | tail -n 5)"
		ktap_fail "$tm_name: no dmesg line matching '$tm_pat'"
	elif tm_loaded || [ -e /proc/tcpmem ]; then
		ktap_fail "$tm_name: refused but left state behind"
	else
		ktap_ok "$tm_name refused: $msg"
	fi
}

refused "unknown extra cache" 'tcpmem: extra_caches: .*no_such_cache' \
	extra_caches=no_such_cache
refused "invalid cache name" 'tcpmem: extra_caches: invalid' 'extra_caches=bad/name'
refused "empty element" 'tcpmem: extra_caches: invalid' 'extra_caches=kmalloc-64,,dentry'
refused "duplicate name" 'tcpmem: extra_caches: "dentry" named twice' \
	extra_caches=dentry,kmalloc-128,dentry
refused "17 distinct names" 'tcpmem: extra_caches: more than 16 names \(17\)' \
	extra_caches=kmalloc-8,kmalloc-16,kmalloc-32,kmalloc-64,kmalloc-96,kmalloc-128,kmalloc-192,kmalloc-256,kmalloc-512,kmalloc-1k,kmalloc-2k,kmalloc-4k,kmalloc-8k,dentry,inode_cache,filp,names_cache
refused "too many caches" 'tcpmem: extra_caches: more than' \
	extra_caches=dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry,dentry

dmesg -c > /dev/null
if insmod "$TCPMEM_KO" extra_caches=kmalloc-128,dentry && test -f /proc/tcpmem; then
	ktap_ok "valid extra_caches=kmalloc-128,dentry loads"
else
	ktap_diag "$(dmesg | tail -n 5)"
	ktap_fail "valid extra_caches=kmalloc-128,dentry loads"
fi
tm_unload
ktap_finish
