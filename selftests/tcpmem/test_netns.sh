#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Many netns: the files of one record per netns (debugfs states and shared)
# are seq_file iterators over the netns, not one rendering of the whole
# file. mknetns makes TM_NETNS netns (default 1000, 250 on a debugging
# kernel), each with one socket
# listening on port 7, and writes their inode numbers: each of them has
# exactly one states record (inet LISTEN, one socket) and one bind bucket;
# a read in small pieces (odd sizes, so records and buffers split
# anywhere) equals a read in one go for those netns (room= aside, which
# follows free memory); and the netns go away afterwards.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_nverdicts
: > $V
N=${TM_NETNS:-1000}
# a debugging kernel (KASAN, lockdep) under TCG made 1,000 in 170 s: 250
[ -z "$(tm_debug_kernel)" ] || N=${TM_NETNS:-250}
tm_fresh_load
init_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)

rm -f /tmp/tm_nready /tmp/tm_ninums
t0=$(cut -d' ' -f1 /proc/uptime)
"$TM_DIR/mknetns" "$N" /tmp/tm_ninums /tmp/tm_nready &
pid=$!
tm_load_pid=$pid
if ! TM_WAIT_S=300 tm_wait_file /tmp/tm_nready; then
	echo "bad mknetns: $N netns not made in 300 s" >> $V
	kill $pid 2>/dev/null
	wait $pid
	ktap_verdicts $V
	ktap_finish
fi
echo "# $N netns made in $(awk -v t0="$t0" '{ printf "%.0f", $1 - t0 }' /proc/uptime) s"

cat $TM_DBG/states > /tmp/tm_nst
cat $TM_DBG/shared > /tmp/tm_nsh
# the same files in small reads: 7 and 333 bytes at a time
dd if=$TM_DBG/states of=/tmp/tm_nst7 bs=7 2>/dev/null
dd if=$TM_DBG/shared of=/tmp/tm_nsh333 bs=333 2>/dev/null

# per made netns: its states records and its bind buckets
awk -v out=/tmp/tm_nbad '
FILENAME == ARGV[1] { want["netns=" $1] = 1; n++; next }
FILENAME == ARGV[2] {
	if (!($1 in want)) next
	recs[$1]++
	if ($2 == "family=inet" && $3 == "state=LISTEN" && $5 == "sockets=1") ok[$1]++
	next
}
{
	if (!($1 in want)) next
	buckets[$1]++
	if ($2 == "bind_buckets=1") bok[$1]++
}
END {
	bad = 0
	for (k in want) {
		if (recs[k] != 1 || ok[k] != 1 || buckets[k] != 1 || bok[k] != 1) {
			if (bad++ < 5)
				printf "# %s: %d states records (%d inet LISTEN of 1 socket), %d shared records (%d of 1 bind bucket)\n",
				       k, recs[k], ok[k], buckets[k], bok[k] > out
		}
	}
	printf "%d %d\n", n, bad
}' /tmp/tm_ninums /tmp/tm_nst /tmp/tm_nsh > /tmp/tm_nres
read -r made bad < /tmp/tm_nres
if [ "$made" = "$N" ] && [ "$bad" = 0 ]; then
	echo "ok each of the $N netns made has one states record (inet LISTEN, 1 socket) and one bind bucket" >> $V
else
	echo "bad $bad of the $made netns made (of $N) differ from one LISTEN socket and one bind bucket" >> $V
	cat /tmp/tm_nbad >> $V 2>/dev/null
fi
echo "# states: $(wc -l < /tmp/tm_nst) records, $(wc -c < /tmp/tm_nst) bytes; shared: $(wc -l < /tmp/tm_nsh) records" >> $V

# the made netns' records: nothing changes there between the reads (their
# sockets only listen) but free memory, which states' room= follows: equal
# without it (other netns may hold sockets that come and go meanwhile)
for f in /tmp/tm_nst /tmp/tm_nst7 /tmp/tm_nsh /tmp/tm_nsh333; do
	awk 'FILENAME == ARGV[1] { want["netns=" $1] = 1; next } $1 in want' \
		/tmp/tm_ninums $f | sed 's/ room=[0-9]*//' > $f.made
done
for f in "states /tmp/tm_nst.made /tmp/tm_nst7.made 7" "shared /tmp/tm_nsh.made /tmp/tm_nsh333.made 333"; do
	set -- $f
	if [ "$(wc -l < "$2")" = "$N" ] && cmp -s "$2" "$3"; then
		echo "ok $1 read $4 bytes at a time equals one read (the made netns' $(wc -l < "$2") records, $(wc -c < "$2") bytes)" >> $V
	else
		echo "bad $1 read $4 bytes at a time differs from one read, or not $N records ($(wc -l < "$2"))" >> $V
		diff "$2" "$3" | head -n 6 | sed 's/^/# /' >> $V
	fi
done

kill $pid
wait $pid 2>/dev/null
# the kernel tears them down in batches (cleanup_net): up to 200 s
i=0
while [ $i -lt 200 ] && [ "$(grep -vc "^netns=$init_ns " $TM_DBG/shared)" != 0 ]; do
	sleep 1
	i=$((i + 1))
done
if [ "$(grep -vc "^netns=$init_ns " $TM_DBG/shared)" = 0 ]; then
	echo "ok the $N netns went away after their sockets closed ($i s)" >> $V
else
	echo "bad $(grep -vc "^netns=$init_ns " $TM_DBG/shared) netns still there 200 s after their sockets closed" >> $V
fi

ktap_verdicts $V
ktap_finish
