#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every struct member tcpmem resolved from BTF, checked against bpftool's
# reading of the same /sys/kernel/btf/vmlinux.
. "$(dirname "$0")/lib.sh"

if ! command -v bpftool > /dev/null; then
	ktap_plan 0
	echo "# SKIP bpftool not in this image"
	exit $KSFT_SKIP
fi
tm_load || { ktap_plan 1; ktap_fail "insmod"; ktap_finish; }
cat $TM_DBG/layout > /tmp/tm_layout
tm_unload
awk -f "$TM_DIR/btf_check.awk" "$(tm_btf_raw)" /tmp/tm_layout > /tmp/tm_layout.chk
n=$(wc -l < /tmp/tm_layout.chk)
ktap_plan $((n + 1))
if [ "$n" -ge 20 ]; then
	ktap_ok "layout has $n records"
else
	ktap_fail "layout has only $n records"
fi
while read -r verdict rec; do
	if [ "$verdict" = ok ]; then
		ktap_ok "$rec"
	else
		ktap_fail "$rec"
	fi
done < /tmp/tm_layout.chk
ktap_finish
