#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every tcpmem selftest; nested KTAP on stdout, kselftest style.
cd "$(dirname "$0")" || exit 1
# TCPMEM_ONLY: these tests alone, comma-separated (a second boot with other
# kernel parameters, or a quick run of a few)
tests=$(echo "${TCPMEM_ONLY:-}" | tr , ' ')
[ -n "$tests" ] || tests=$(ls test_*.sh)
n=0
for t in $tests; do
	n=$((n + 1))
done
echo "KTAP version 1"
echo "1..$n"
i=0
for t in $tests; do
	i=$((i + 1))
	echo "# selftests: tcpmem: $t"
	{ sh "./$t" 2>&1; echo $? > /tmp/.tm_rc; } | sed 's/^/  /'
	rc=$(cat /tmp/.tm_rc)
	case $rc in
	0) echo "ok $i selftests: tcpmem: $t" ;;
	4) echo "ok $i selftests: tcpmem: $t # SKIP" ;;
	*) echo "not ok $i selftests: tcpmem: $t # exit=$rc" ;;
	esac
done
