#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Run every tcpmem selftest; nested KTAP on stdout, kselftest style.
# As kselftest's runner, each test gets settings' timeout= seconds (45 when
# unset): it runs under busybox timeout in a session of its own, and one
# that overruns is killed with everything it started (its session) and
# reported "not ok ... # TIMEOUT".
cd "$(dirname "$0")" || exit 1
limit=$(sed -n 's/^timeout=\([0-9][0-9]*\)$/\1/p' settings 2>/dev/null)
limit=${limit:-45}
tests=$(ls test_*.sh)
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
	rm -f /tmp/.tm_rc /tmp/.tm_sid
	t0=$(date +%s)
	{
		timeout -s TERM "$limit" setsid sh -c 'echo $$ > /tmp/.tm_sid; exec sh "./$0"' "$t" 2>&1
		echo $? > /tmp/.tm_rc
		# what the test left running in its session (tcpload, readers)
		# holds the pipe open: it goes too
		sid=$(cat /tmp/.tm_sid 2>/dev/null)
		[ -z "$sid" ] || kill -KILL -- "-$sid" 2>/dev/null
	} | sed 's/^/  /'
	rc=$(cat /tmp/.tm_rc)
	secs=$(($(date +%s) - t0))
	echo "# $t: $secs s"
	if [ "$secs" -ge "$limit" ] && [ "$rc" -ge 124 ]; then
		echo "not ok $i selftests: tcpmem: $t # TIMEOUT $limit seconds"
		continue
	fi
	case $rc in
	0) echo "ok $i selftests: tcpmem: $t" ;;
	4) echo "ok $i selftests: tcpmem: $t # SKIP" ;;
	*) echo "not ok $i selftests: tcpmem: $t # exit=$rc" ;;
	esac
done
