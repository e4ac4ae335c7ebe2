#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Bad input. Module parameters (cases beyond test_params.sh): empty, huge,
# non-ASCII, 16 and 17 distinct names, duplicates, an unknown parameter:
# refused with a dmesg line naming the cause and nothing left, or loaded.
# Reads: every file read 1 byte at a time is well-formed and equal to a read
# of the same snapshot from offset 0 (the layout file, deterministic, also
# to a second open), pread at random offsets matches, pread/lseek past the
# end gives EOF, huge or negative offsets EOF or EINVAL, writes refused.
# Readers: without CAP_SYS_ADMIN, in another netns, in a user namespace
# (its own netns only), and as nobody (EACCES).
. "$(dirname "$0")/lib.sh"
. "$TM_DIR/stress.sh"

tm_unload

# msg PATTERN: the first dmesg line matching PATTERN, without its time stamp
msg()
{
	dmesg | grep -aE "$1" | head -n 1 | sed "s/^\[[^]]*\] //"
}

# param_case refused|loads NAME DMESG_PATTERN PARAM...: insmod with PARAMs.
# refused: it fails, a dmesg line matches DMESG_PATTERN, nothing is left.
# loads: it loads, /proc/tcpmem reads right, and a dmesg line matches
# DMESG_PATTERN unless that is empty.
param_case()
{
	tm_want=$1 tm_name=$2 tm_pat=$3
	shift 3
	dmesg -c > /dev/null
	tm_rc=0
	insmod "$TCPMEM_KO" "$@" 2>/tmp/tm_insmod_err || tm_rc=$?
	tm_msg=
	[ -z "$tm_pat" ] || tm_msg=$(msg "$tm_pat")
	if [ $tm_rc -eq 0 ]; then
		tm_got=loads
		"$TM_STRESS" check /proc/tcpmem > /tmp/tm_check 2>&1 || tm_got="loads wrong"
		rmmod tcpmem
	elif tm_loaded || [ -e /proc/tcpmem ] || [ -e $TM_DBG ]; then
		tm_got="refused, state left behind"
	else
		tm_got=refused
	fi
	if [ "$tm_got" != "$tm_want" ]; then
		ktap_diag "$(cat /tmp/tm_insmod_err /tmp/tm_check 2>/dev/null; dmesg | tail -n 3)"
		ktap_fail "$tm_name: $tm_got, not $tm_want"
	elif [ -n "$tm_pat" ] && [ -z "$tm_msg" ]; then
		ktap_diag "$(dmesg | tail -n 5)"
		ktap_fail "$tm_name: $tm_got, but no dmesg line matching '$tm_pat'"
	else
		ktap_ok "$tm_name $tm_got${tm_msg:+: $(printf '%.100s' "$tm_msg")}"
	fi
	rm -f /tmp/tm_check
}

# 16 and 17 distinct names of caches of this kernel (/proc/slabinfo)
names=$(awk 'NR > 2 && $1 ~ /^[A-Za-z0-9_:.()-]+$/ && length($1) < 64 { print $1 }' /proc/slabinfo |
	sort -u | head -n 17)
n17=$(echo "$names" | tr '\n' ',' | sed 's/,$//')
n16=$(echo "$names" | head -n 16 | tr '\n' ',' | sed 's/,$//')
huge=$(head -c 65536 /dev/zero | tr '\0' 'a')
long=$(printf '%.1000s' "$huge")

ktap_plan 20
param_case loads "empty extra_caches=" "" extra_caches=
param_case refused "a lone comma" 'tcpmem: extra_caches: invalid' 'extra_caches=,'
param_case refused "a long name (1000 bytes)" 'tcpmem: extra_caches: invalid cache name' "extra_caches=$long"
# the kernel's charp limit (1024 bytes) comes first
param_case refused "a huge value (65536 bytes)" 'extra_caches: string parameter too long' "extra_caches=$huge"
param_case refused "a non-ASCII name" 'tcpmem: extra_caches: invalid cache name' "extra_caches=$(printf 'dentry\303\251')"
param_case refused "17 distinct existing names" 'tcpmem: extra_caches: more than 16' "extra_caches=$n17"
param_case loads "16 distinct existing names" "" "extra_caches=$n16"
param_case loads "an unknown parameter" "tcpmem: unknown parameter 'no_such_param'" no_such_param=1

# duplicates: refused, or folded into one (the caches file lists dentry as
# often as with dentry named once), with a dmesg line either way
insmod "$TCPMEM_KO" extra_caches=dentry,kmalloc-128
once=$(grep -c '^type=dentry ' $TM_DBG/caches)
tm_unload
dmesg -c > /dev/null
if insmod "$TCPMEM_KO" extra_caches=dentry,kmalloc-128,dentry 2>/dev/null; then
	n=$(grep -c '^type=dentry ' $TM_DBG/caches)
	tm_msg=$(msg 'tcpmem: .*dentry')
	if [ "$n" -eq "$once" ] && [ -n "$tm_msg" ]; then
		ktap_ok "a duplicate name is folded, with a dmesg line: $tm_msg"
	else
		ktap_fail "a duplicate name is refused or folded with a dmesg line (loaded; type=dentry $n times, $once when named once; dmesg: '${tm_msg}')"
	fi
	tm_unload
else
	tm_msg=$(msg 'tcpmem: extra_caches:.*dentry')
	if [ -n "$tm_msg" ] && ! tm_loaded; then
		ktap_ok "a duplicate name is refused: $tm_msg"
	else
		ktap_fail "a duplicate name is refused with a dmesg line naming it"
	fi
fi

# reads and writes on every file
insmod "$TCPMEM_KO"
fails=
"$TM_STRESS" check /proc/tcpmem > /tmp/tm_v 2>&1 || fails="$fails proc"
"$TM_STRESS" check $TM_DBG/layout -d >> /tmp/tm_v 2>&1 || fails="$fails layout"
for f in $TM_DBG/*; do
	[ "$f" = $TM_DBG/layout ] || "$TM_STRESS" check "$f" >> /tmp/tm_v 2>&1 || fails="$fails ${f##*/}"
done
nfiles=$(($(ls $TM_DBG | wc -l) + 1))
nok=$(grep -c '^ok ' /tmp/tm_v)
ktap_diag "$(grep -v "^ok " /tmp/tm_v)"
if [ -z "$fails" ]; then
	ktap_ok "$nfiles files: 1-byte reads, pread, lseek and writes ($nok checks)"
else
	ktap_fail "$nfiles files: 1-byte reads, pread, lseek and writes: failed for$fails"
fi
dmesg -c > /dev/null

# readers in other contexts: 21 = CAP_SYS_ADMIN
rc=0
"$TM_STRESS" as -c 21 -- "$TM_STRESS" check /proc/tcpmem > /tmp/tm_v 2>&1 || rc=$?
tm_result "root without CAP_SYS_ADMIN: /proc/tcpmem reads right" /tmp/tm_v $rc
rc=0
"$TM_STRESS" as -c 21 -- "$TM_STRESS" check $TM_DBG/layout -d > /tmp/tm_v 2>&1 || rc=$?
tm_result "root without CAP_SYS_ADMIN: debugfs layout reads right" /tmp/tm_v $rc

# header_netns CONTEXT...: the netns field of /proc/tcpmem's header read in
# CONTEXT, and that reader's own netns inode, as "FIELD INODE"
header_netns()
{
	"$TM_STRESS" as "$@" -- sh -c 'h=$(head -n 1 /proc/tcpmem) || exit 1
		echo "${h##* } $(stat -L -c %i /proc/self/ns/net)"'
}
got=$(header_netns -n)
rc=0
"$TM_STRESS" as -n -- "$TM_STRESS" check /proc/tcpmem > /tmp/tm_v 2>&1 || rc=$?
tm_result "root in another netns: /proc/tcpmem reads right" /tmp/tm_v $rc
# root there still has CAP_NET_ADMIN in the init user namespace: every netns
ktap_check "root in another netns sees every netns (header netns: ${got%% *})" \
	test "${got%% *}" = all
got=$(header_netns -U -n)
rc=0
"$TM_STRESS" as -U -n -- "$TM_STRESS" check /proc/tcpmem > /tmp/tm_v 2>&1 || rc=$?
tm_result "root of a user namespace with its own netns: /proc/tcpmem reads right" /tmp/tm_v $rc
ktap_check "a user namespace with its own netns sees only it (header netns ${got%% *}, its netns ${got#* })" \
	test -n "${got#* }" -a "${got%% *}" = "${got#* }"
got=$(header_netns -U)
rc=0
"$TM_STRESS" as -U -- "$TM_STRESS" check /proc/tcpmem > /tmp/tm_v 2>&1 || rc=$?
tm_result "root of a user namespace in the init netns: /proc/tcpmem reads right (header netns ${got%% *})" /tmp/tm_v $rc

# nobody: every file refused
bad=
for f in /proc/tcpmem $TM_DBG/*; do
	err=$("$TM_DIR/runas" 65534 cat "$f" 2>&1 >/dev/null)
	case $err in
	*"Permission denied"*) ;;
	*) bad="$bad $f: '$err'" ;;
	esac
done
if [ -z "$bad" ]; then
	ktap_ok "nobody: every file refused with EACCES"
else
	ktap_fail "nobody: every file refused with EACCES:$bad"
fi
ktap_check "no tcpmem dmesg line from reads" test -z "$(dmesg | grep tcpmem)"
tm_unload
tm_check_splats "bad input"
ktap_finish
