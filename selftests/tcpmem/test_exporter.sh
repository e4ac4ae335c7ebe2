#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# tools/tcpmem-exporter (installed beside the tests) under busybox: tcpmem_up
# 0 and no module sample without the module; with a known mix held by
# tcpload, its figures against independent truth (ss -tan per family and
# state, /proc/slabinfo for the TCP caches, the sysctls, /proc/net/sockstat,
# /proc/buddyinfo's zones), the file written atomically, each family once
# with HELP and TYPE; with the debugfs cgroups file, a cgroup whose name has
# a quote, a space and a backslash. Its output is printed between
# "tcpmem-exporter: begin" and "tcpmem-exporter: end", each line after
# "prom| ": scripts/check.sh runs promtool check metrics on it on the host.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_xverdicts
: > $V
EXP=$TM_DIR/tcpmem-exporter
D=/tmp/tm_textfile
rm -rf $D
mkdir -p $D
page=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
init_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)
echo 0 > /proc/sys/net/ipv4/tcp_tw_reuse

# sample FILE NAME LABEL-MATCH [MATCH2]: the sum of NAME's samples whose
# labels contain LABEL-MATCH (e.g. 'type="TCP",') and MATCH2, or "none"
sample()
{
	# the matches through the environment: awk -v would undo their escapes
	TM_M=$3 TM_M2=${4:-} awk -v n="$2" '
	BEGIN { m = ENVIRON["TM_M"]; m2 = ENVIRON["TM_M2"] }
	index($0, n "{") == 1 || index($0, n " ") == 1 {
		if ((m == "" || index($0, m)) && (m2 == "" || index($0, m2))) { s += $NF; found = 1 }
	} END { if (found) printf "%.0f\n", s; else print "none" }' "$1"
}

# want TEXT WANT GOT: a verdict
want()
{
	if [ "$2" = "$3" ]; then
		echo "ok $1 ($3)" >> $V
	else
		echo "bad $1: want $2, got $3" >> $V
	fi
}

# ---- without the module -------------------------------------------------
tm_unload
rc=0
"$EXP" $D || rc=$?
f=$D/tcpmem.prom
if [ $rc -eq 0 ] && grep -qx 'tcpmem_up 0' $f && grep -qx 'tcpmem_scrape_error 1' $f &&
	[ "$(grep -c '^tcpmem_' $f)" = 2 ]; then
	echo "ok no module: tcpmem_up 0, tcpmem_scrape_error 1, no other sample" >> $V
else
	echo "bad no module: exit $rc" >> $V
	sed 's/^/# /' $f >> $V
fi

# ---- with the module and a known mix, in a netns of tcpload's own -----
tm_fresh_load
cg=
cgname='tm "q x\y'
cgwhy="no debugfs cgroups file in this module (per-cgroup records: issue 10 section 1)"
[ -e $TM_DBG/cgroups ] && cgwhy="this kernel has no cgroup2 (CONFIG_CGROUPS): every socket's cgroup is -"
if [ -e $TM_DBG/cgroups ] && grep -qw cgroup2 /proc/filesystems; then
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup
	cg="/sys/fs/cgroup/$cgname"
	mkdir -p "$cg"
	# tcpload made inside the cgroup: its sockets are created there
	rm -f /tmp/tm_ready
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		"$TM_DIR/tcpload" -n -R -r /tmp/tm_ready -p 23000 est:40 est6:15 tw:25 cw:10 listen:3 syn:5 unsent:10:262144 &
	tm_load_pid=$!
	tm_wait_file /tmp/tm_ready || echo "bad tcpload did not start in the cgroup" >> $V
else
	tm_tcpload -n -R -p 23000 est:40 est6:15 tw:25 cw:10 listen:3 syn:5 unsent:10:262144 ||
		echo "bad tcpload did not start" >> $V
fi
# tcpload's own netns (-n; -R: reset at exit): no TIME_WAIT outlives the test
load_ns=$(readlink /proc/$tm_load_pid/ns/net | tr -dc 0-9)

# ss_states: "family state count", ss's names mapped to the kernel's
ss_states()
{
	for fam in 4 6; do
		nsenter -t $tm_load_pid -n ss -$fam -tanH | awk -v fam=$fam "$TM_SS_MAP"'
		{ n[st]++ }
		END { for (s in n) print (fam == 4 ? "inet" : "inet6"), s, n[s] }'
	done | sort
}

# the same from the exporter's tcpmem_sockets (kinds summed, as ss shows
# them; bound-but-inactive sockets are not in ss -tan)
exp_states()
{
	awk -v ns="netns=\"$load_ns\"" '/^tcpmem_sockets\{/ && index($0, ns) {
		split($0, p, "\""); fam = p[4]; st = p[6]
		if (st == "CLOSE" || st == "BOUND_INACTIVE") next
		n[fam " " st] += $NF
	} END { for (k in n) print k, n[k] }' "$1" | sort
}

# truth: slabinfo's TCP and TCPv6 lines, sockstat's TCP line
truth()
{
	awk '$1 == "TCP" || $1 == "TCPv6" || $1 == "TCP:"' /proc/slabinfo /proc/net/sockstat
}

# ss, slabinfo and sockstat before and after one run to stdout: compare
# when nothing moved between them (20 tries)
tries=0
while [ $tries -lt 20 ]; do
	ss_states > /tmp/tm_xss1
	truth > /tmp/tm_xsi1
	"$EXP" - > /tmp/tm_x.prom
	ss_states > /tmp/tm_xss2
	truth > /tmp/tm_xsi2
	cmp -s /tmp/tm_xss1 /tmp/tm_xss2 && cmp -s /tmp/tm_xsi1 /tmp/tm_xsi2 && break
	tries=$((tries + 1))
	sleep 0.2
done
[ $tries -lt 20 ] || echo "# ss or slabinfo kept moving: compared with the last reading" >> $V
x=/tmp/tm_x.prom
want "tcpmem_up 1" 1 "$(sample $x tcpmem_up '')"
want "tcpmem_scrape_error 0" 0 "$(sample $x tcpmem_scrape_error '')"
exp_states $x > /tmp/tm_xmine
if cmp -s /tmp/tm_xss1 /tmp/tm_xmine; then
	echo "ok tcpmem_sockets per family and state = ss -tan: $(tr '\n' ';' < /tmp/tm_xmine)" >> $V
else
	echo "bad tcpmem_sockets per family and state differ from ss -tan" >> $V
	diff /tmp/tm_xss1 /tmp/tm_xmine | sed 's/^/# /' >> $V
fi
for t in TCP TCPv6; do
	c=$(awk -v t="type=\"$t\"," '/^tcpmem_cache_objects\{/ && index($0, t) {
		split($0, p, "\""); print p[4]; exit }' $x)
	if [ -z "$c" ]; then
		echo "bad no tcpmem_cache_objects for type $t" >> $V
		continue
	fi
	set -- $(awk -v c="$c" '$1 == c { print $2, $3; exit }' /tmp/tm_xsi1)
	want "$t (cache $c): tcpmem_cache_active_objects = slabinfo active_objs" "$1" \
		"$(sample $x tcpmem_cache_active_objects "type=\"$t\",")"
	want "$t (cache $c): tcpmem_cache_objects = slabinfo num_objs" "$2" \
		"$(sample $x tcpmem_cache_objects "type=\"$t\",")"
done
want "tcpmem_tcp_max_tw_buckets = net.ipv4.tcp_max_tw_buckets" \
	"$(cat /proc/sys/net/ipv4/tcp_max_tw_buckets)" \
	"$(sample $x tcpmem_tcp_max_tw_buckets "netns=\"$init_ns\"")"
set -- $(cat /proc/sys/net/ipv4/tcp_mem)
want "tcpmem_tcp_mem_bytes = net.ipv4.tcp_mem x page size" \
	"$(($1 * page)) $(($2 * page)) $(($3 * page))" \
	"$(sample $x tcpmem_tcp_mem_bytes 'level="min"') $(sample $x tcpmem_tcp_mem_bytes 'level="pressure"') $(sample $x tcpmem_tcp_mem_bytes 'level="max"')"
# sockstat's TCP line: inuse N orphan N tw N alloc N mem PAGES
set -- $(awk '$1 == "TCP:" { print $9, $11 }' /tmp/tm_xsi1)
want "tcpmem_sockets_allocated = sockstat TCP alloc" "$1" "$(sample $x tcpmem_sockets_allocated '')"
# (unsent: 10 x 256 KB queued: more than the per-CPU reserves hold back)
if [ "$2" -gt 0 ]; then
	want "tcpmem_tcp_mem_allocated_bytes = sockstat TCP mem x page size" "$(($2 * page))" \
		"$(sample $x tcpmem_tcp_mem_allocated_bytes '')"
else
	echo "bad sockstat TCP mem is 0 with 2.5 MB queued: nothing to compare" >> $V
fi
# zones and their orders as /proc/buddyinfo lists them
want "tcpmem_zone_free_blocks: the zones and orders of /proc/buddyinfo" \
	"$(awk '{ sub(",", "", $2); print $2, $4, NF - 4 }' /proc/buddyinfo | sort | tr '\n' ';')" \
	"$(awk '/^tcpmem_zone_free_blocks\{/ { split($0, p, "\""); n[p[2] " " p[4]]++ }
		END { for (k in n) print k, n[k] }' $x | sort | tr '\n' ';')"
# the headline comes from another snapshot than the states (test_headline.sh
# checks it against the growth of Slab:): shown, not compared
echo "# tcpmem_tcp_slab_bytes $(sample $x tcpmem_tcp_slab_bytes ''); states and bind buckets sum to $(($(sample $x tcpmem_socket_slab_bytes '') + $(sample $x tcpmem_bind_bucket_bytes '')))" >> $V
# the format: HELP and TYPE once per family, before its samples, which are
# contiguous; every sample of a family with a TYPE; nothing else
bad=$(awk '
/^# HELP / { if (help[$3]++) print "second HELP " $3; next }
/^# TYPE / { if (type[$3]++) print "second TYPE " $3; if (!help[$3]) print "TYPE before HELP " $3; cur = $3; next }
/^tcpmem_[a-z0-9_]*[{ ]/ { n = $0; sub(/[{ ].*/, "", n); if (n != cur) print "sample of " n " outside its family"; next }
{ print "stray line: " $0 }' $x | head -n 5)
want "format: families contiguous, HELP and TYPE once each" "" "$bad"
want "every sample has a number" 0 "$(grep '^tcpmem_' $x | grep -cvE ' -?[0-9]+(\.[0-9]+)?$')"

# the file: written atomically (nothing else left in DIR), readable by all
rc=0
"$EXP" $D || rc=$?
want "DIR mode: exit 0, only tcpmem.prom left, mode 644" "0 tcpmem.prom 644" \
	"$rc $(ls -A $D | tr '\n' ' ' | sed 's/ $//') $(stat -c %a $D/tcpmem.prom)"
grep '^# TYPE' $x > /tmp/tm_xt1
grep '^# TYPE' $D/tcpmem.prom > /tmp/tm_xt2
if [ -s /tmp/tm_xt1 ] && cmp -s /tmp/tm_xt1 /tmp/tm_xt2; then
	echo "ok DIR mode: the same $(wc -l < /tmp/tm_xt1) families as stdout" >> $V
else
	echo "bad DIR mode: not the families of stdout" >> $V
	diff /tmp/tm_xt1 /tmp/tm_xt2 | head -n 5 | sed 's/^/# /' >> $V
fi
echo "# $(grep -c '^# TYPE' $x) metric families, $(grep -c '^tcpmem_' $x) samples" >> $V

# a cgroup whose name needs escaping
if [ -n "$cg" ]; then
	esc=$(printf '%s' "/$cgname" | sed 's/\\/\\\\/g; s/"/\\"/g')
	# est: 40 + 15 pairs, syn: 5 ESTABLISHED clients, unsent: 10 pairs
	want "cgroup \"/$cgname\": its ESTABLISHED sockets under label cgroup=\"$esc\"" 135 \
		"$(sample $D/tcpmem.prom tcpmem_cgroup_sockets "cgroup=\"$esc\"," 'state="ESTABLISHED"')"
else
	echo "skip cgroup-label $cgwhy" >> $V
fi

tm_tcpload_stop
tm_wait_netns_gone "$init_ns" || echo "bad tcpload's netns did not go away in 50 s" >> $V
[ -z "$cg" ] || rmdir "$cg"
tm_unload
ktap_verdicts $V
echo "tcpmem-exporter: begin"
sed 's/^/prom| /' $D/tcpmem.prom
echo "tcpmem-exporter: end"
ktap_finish
