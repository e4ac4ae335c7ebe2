#!/bin/bash
# test-infra.sh: KTAP tests of the test scripts themselves, on the host (no
# VM; about 10 s): the KTAP summary's exit-status guard, the build-warning
# filter, the version's one source of truth, and a matrix whose rows cannot be
# resolved (SKIPPED when not required, a failure when required, the other rows
# still run and the summary still prints); tools/alerts.yml (promtool check
# rules, promtool test rules tools/alerts_test.yml) and tools/tcpmem-exporter
# on a fixture of debugfs files (label escaping, "na" and missing files,
# busybox, promtool check metrics). Run by scripts/check.sh first.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failed=0
ok() {
	n=$((n + 1))
	echo "ok $n $1"
}
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $1"
}
# expect NAME WANT GOT: ok if equal, else the diagnostics and not ok
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		printf '# want: %s\n# got:  %s\n' "$2" "$3"
		not_ok "$1"
	fi
}
# counts RESULTS...: the "@counts" line ktap.awk gives for these lines
counts() {
	printf '%s\n' "$@" >"$tmp/r"
	awk -f "$S/ktap.awk" "$tmp/r" | sed -n 's/^@counts //p'
}

echo "KTAP version 1"
echo "1..21"

# check.sh's guard: a runner that exits non-zero without reporting a failure
expect "ktap: done rc=1 with no failure counts as one failure" "1 1 0" \
	"$(counts '1..1' 'ok 1 a' '# tcpmem-vm: done rc=1')"
expect "ktap: done rc=0 and rc=4 (skip) count nothing" "1 0 0|1 0 0" \
	"$(counts '1..1' 'ok 1 a' '# tcpmem-vm: done rc=0')|$(counts '1..1' 'ok 1 a' '# tcpmem-vm: done rc=4')"
expect "ktap: a missing planned result counts as a failure" "1 1 0" \
	"$(counts '1..2' 'ok 1 a' '# tcpmem-vm: done rc=0')"
# run_kselftest.sh's output: each program's own KTAP prefixed "# "
expect "ktap: kselftest runner output counts the programs' subtests" "2 1 1" \
	"$(counts 'TAP version 13' '1..2' '# selftests: tcpmem: a' '# 1..3' '# ok 1 x' \
		'# # why' '# not ok 2 y' '# ok 3 z # SKIP no z here' 'not ok 1 selftests: tcpmem: a # exit=1' \
		'# selftests: tcpmem: b' 'ok 2 selftests: tcpmem: b' '# tcpmem-vm: done rc=0')"
expect "ktap: no end-of-run line from the VM is a failure" "1 1 0" \
	"$(counts '1..1' 'ok 1 a')"

# the build-warning filter of scripts/build-module.sh
printf '%s\n' 'warning: the compiler differs from the one used to build the kernel' \
	'  The kernel was built by: x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0' \
	'  You are using:           gcc-14 (Debian 14.2.0-20) 14.2.0' '  CC [M]  module/main.o' >"$tmp/log"
expect "build: kbuild's 'the compiler differs' is allowed" "" "$(bad_build_lines "$tmp/log")"
printf '%s\n' 'module/slab.c:12:5: warning: no previous prototype for f [-Wmissing-prototypes]' \
	'WARNING: modpost: "x" [tcpmem.ko] undefined!' >>"$tmp/log"
expect "build: any other warning fails" 2 "$(bad_build_lines "$tmp/log" | wc -l)"

# the version: VERSION is the one source of truth
cl=$(sed -n '1s/^tcpmem (\([^)]*\)).*/\1/p' "$ROOT/debian/changelog")
expect "version: debian/changelog's version is VERSION" "$VERSION" "$cl"
expect "version: dkms.conf takes it from the packaging (#MODULE_VERSION#)" \
	'PACKAGE_NAME="tcpmem" PACKAGE_VERSION="#MODULE_VERSION#" AUTOINSTALL="yes"' \
	"$(grep -E '^(PACKAGE_NAME|PACKAGE_VERSION|AUTOINSTALL)=' "$ROOT/dkms.conf" | tr '\n' ' ' | sed 's/ $//')"

# the optional arch column: absent is amd64; an unknown one, or an arm64 row
# that does not build in a chroot, is refused with the reason
{
	printf 'six\tbookworm\t6.1\tamd64\t-\tchroot-bookworm\n'
	printf 'arm\tbookworm\t6.1\tarm64\t-\tchroot-bookworm\tarm64\n'
	printf 'odd\tbookworm\t6.1\tamd64\t-\tchroot-bookworm\tsparc\n'
	printf 'armhost\tbookworm\t6.1\tarm64\t-\thost\tarm64\n'
} >"$tmp/arch.tsv"
arch_of() {
	(MATRIX=$tmp/arch.tsv
		load_spec "$1" 2>&1 && echo "$K_ARCH") | tr '\n' ' ' | sed 's/.*: //; s/ $//'
}
expect "matrix: the arch column is optional (amd64), arm64 is known" "amd64 arm64" \
	"$(arch_of six) $(arch_of arm)"
expect "matrix: an unknown arch, or an arm64 row outside a chroot, is refused" \
	"unknown arch 'sparc' (amd64 or arm64)|an arm64 row builds in a chroot-<suite> (not host)" \
	"$(arch_of odd)|$(arch_of armhost)"

# a matrix that cannot be resolved: a non-required row in a suite that is not
# in the archive, then a required row of a series that does not exist
{
	printf '5.10\tbullseye-nonexistent\t5.10\tamd64\t-\tchroot-bullseye\n'
	printf '6.1\tbookworm-security\t6.99\tamd64\trequired\tdkms-bookworm\n'
} >"$tmp/matrix.tsv"
rc=0
TCPMEM_INFRA=0 TCPMEM_MATRIX=$tmp/matrix.tsv TCPMEM_OUT=$tmp/out \
	"$S/check.sh" 5.10 6.1 >"$tmp/check.log" 2>&1 || rc=$?
sed 's/^/# check.sh: /' "$tmp/check.log"
got="rc=$rc"
grep -q '^kernel 5\.10: SKIPPED: suite bullseye-nonexistent is not in the archive' "$tmp/check.log" &&
	got="$got, 5.10 SKIPPED"
grep -q '^kernel 6\.1: FAILED (a required row): no linux-headers-<6\.99\.\*-amd64>' "$tmp/check.log" &&
	got="$got, 6.1 FAILED"
expect "matrix: a non-required row that cannot be resolved is SKIPPED, a required one fails the run" \
	"rc=1, 5.10 SKIPPED, 6.1 FAILED" "$got"
expect "matrix: the summary still prints" "kernels SKIPPED: 5.10|0 passed, 1 failed" \
	"$(tail -n 2 "$tmp/check.log" | tr '\n' '|' | sed 's/|$//')"

# ---- tools/alerts.yml and tools/tcpmem-exporter (promtool: scripts/promtool.sh)
promtool=$("$S/promtool.sh")
# promtool_ok NAME ARGS...: one result from a promtool run, its output as
# diagnostics when it fails
promtool_ok() {
	local out
	if out=$("$promtool" "${@:2}" 2>&1); then
		ok "$1"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		not_ok "$1"
	fi
}
promtool_ok "alerts: promtool check rules tools/alerts.yml" check rules "$ROOT/tools/alerts.yml"
promtool_ok "alerts: promtool test rules tools/alerts_test.yml (each alert fires and does not)" \
	test rules "$ROOT/tools/alerts_test.yml"

# a fixture of the debugfs files, in the formats of module/view.c; the
# cgroups file as issue 10 gives it, with the kernel's octal escapes
fx=$tmp/dbg
mkdir -p "$fx"
ns=4026531840
printf '%s\n' "netns=$ns family=inet state=ESTABLISHED kind=full sockets=200 with_file=200 epoll=0 kernel=0 orphans=0 queued=0 slab_bytes=712345 buffer_bytes=81920 rmem=0 wmem_queued=0 fwd_alloc=81920 bytes_per_socket=3562 room=1000" \
	"netns=$ns family=inet state=FIN_WAIT2 kind=full sockets=3 with_file=3 epoll=0 kernel=0 orphans=0 queued=0 slab_bytes=10683 buffer_bytes=0 rmem=0 wmem_queued=0 fwd_alloc=0 bytes_per_socket=3561 room=1" \
	"netns=$ns family=inet state=FIN_WAIT2 kind=timewait sockets=2 with_file=0 epoll=0 kernel=0 orphans=0 queued=0 slab_bytes=512 buffer_bytes=0 rmem=0 wmem_queued=0 fwd_alloc=0 bytes_per_socket=256 room=1" >"$fx/states"
echo "netns=$ns bind_buckets=5 bind_bytes=320 bind2_buckets=na bind2_bytes=na" >"$fx/shared"
echo "netns_visible=all sockets_allocated=205 found_full=203 unhashed_estimate=2 tcp_mem_min=22000 tcp_mem_pressure=29000 tcp_mem_max=44000 tcp_mem_allocated=20 max_tw_buckets=16384 free_above_high_bytes=900000000 own_netns=$ns tcp_slab_bytes=723860 sockets_slab_bytes=723540 shared_slab_bytes=320 sreclaimable_bytes=51200000 sunreclaim_bytes=51200000 memtotal_bytes=4096000000" >"$fx/totals"
printf '%s\n' "type=TCP cache=TCP present=1 active_objs=210 num_objs=224 objsize=2432 object_size=2368 align=64 objperslab=13 pagesperslab=8 active_slabs=18 num_slabs=18 min_objperslab=1 min_pagesperslab=1 slab_bytes=32768 eff_bytes=2808.685 tail_waste=1152 padding=64 slabs_hi=18 slabs_lo=0 orders_exact=1 min_slab_bytes=4096 bytes=589824 partial_free=3 partial_free_exact=3 approx=0 cpu_free=na used_objs=na refcount=1 label=0 merged=0 aliases=-" \
	"type=tcp_bind2_bucket present=0" >"$fx/caches"
echo "node=0 zone=DMA32 present=262030 spanned=262142 managed=245000 free=200000 min=1000 low=1250 high=1500" >"$fx/zones"
echo "node=0 zone=DMA32 free=10,20,30,4,5,6,7,8,9,0,1" >"$fx/buddy"
echo "type=TCP cache=TCP order=3 min_order=0 node=0 zone=DMA32 blocks_ge_order=0 blocks_fit_order=0 blocks_ge_min_order=96 unusable_permille=1000" >"$fx/orders"
echo "node=0 managed_bytes=1003520000 free_bytes=819200000 tracked_slab_bytes=3000000" >"$fx/nodes"
# a cgroup named: a "quote", a space, a backslash and a newline
printf '%s\n' "cgroup=/a.slice/q\\042x\\040y\\134z\\012w.service memcg=/a.slice/q\\042x\\040y\\134z\\012w.service netns=$ns family=inet state=ESTABLISHED kind=file sockets=10 slab_bytes=35610 charged_bytes=30000 buffer_bytes=0" \
	"cgroup=- memcg=- netns=$ns family=inet state=FIN_WAIT2 kind=mini sockets=2 slab_bytes=512 charged_bytes=0 buffer_bytes=0" \
	"cgroup=/ memcg=na netns=$ns family=inet state=FIN_WAIT2 kind=file sockets=3 slab_bytes=10683 charged_bytes=na buffer_bytes=0" >"$fx/cgroups"
# exporter [ARGS...]: the exporter on the fixture
exporter() {
	TCPMEM_DEBUGFS=$fx TCPMEM_PAGE_SIZE=4096 "$ROOT/tools/tcpmem-exporter" "$@"
}
mkdir -p "$tmp/textfile"
rc=0
exporter "$tmp/textfile" || rc=$?
prom=$tmp/textfile/tcpmem.prom
expect "exporter: DIR mode exits 0 and leaves only tcpmem.prom (mode 644)" "0 tcpmem.prom; 644" \
	"$rc $(cd "$tmp/textfile" && find . -mindepth 1 -printf '%P; ')$(stat -c %a "$prom")"
promtool_ok "exporter: promtool check metrics on its output of the fixture" check metrics <"$prom"
want='tcpmem_cgroup_sockets{cgroup="/a.slice/q\"x y\\z\nw.service",memcg="/a.slice/q\"x y\\z\nw.service",netns="4026531840",family="inet",state="ESTABLISHED",kind="file"} 10'
expect "exporter: a cgroup path with a quote, space, backslash and newline is one escaped label value" \
	"$want" "$(grep '^tcpmem_cgroup_sockets{cgroup="/a' "$prom")"
expect "exporter: \"na\" and a type this kernel lacks give no sample (not 0)" \
	"2 0 1" \
	"$(grep -c '^tcpmem_cgroup_charged_bytes' "$prom") $(grep -c 'table="bind2"' "$prom") $(grep -c '^tcpmem_cache_used_objects\|^tcpmem_bind_buckets' "$prom")"
expect "exporter: base units and derived values (tcp_mem in bytes, slab order, order fits, headline)" \
	"tcpmem_tcp_slab_bytes 723860|tcpmem_tcp_slab_share_ratio{of=\"Slab\"} 0.007069|tcpmem_tcp_mem_bytes{level=\"pressure\"} 118784000|tcpmem_cache_slab_order{type=\"TCP\",cache=\"TCP\"} 3|tcpmem_slab_order_fits{type=\"TCP\",cache=\"TCP\",node=\"0\",zone=\"DMA32\"} 0" \
	"$(grep -E '^tcpmem_(tcp_mem_bytes\{level="pressure"|cache_slab_order|slab_order_fits|tcp_slab_bytes|tcp_slab_share_ratio\{of="Slab")' "$prom" | tr '\n' '|' | sed 's/|$//')"
expect "exporter: each family once, contiguous, after its HELP and TYPE" "" \
	"$(awk '/^# HELP / { if (h[$3]++) print "HELP twice " $3; next }
		/^# TYPE / { if (t[$3]++) print "TYPE twice " $3; cur = $3; next }
		{ n = $0; sub(/[{ ].*/, "", n); if (n != cur) print "outside its family: " $0 }' "$prom")"
# the same under busybox: its sh, awk, sed, mktemp and readlink
mkdir -p "$tmp/bb"
for a in sh awk sed mktemp readlink mv chmod rm cat; do ln -s "$(command -v busybox)" "$tmp/bb/$a"; done
expect "exporter: busybox sh and awk give the same output" "$(cat "$prom")" \
	"$(TCPMEM_DEBUGFS=$fx TCPMEM_PAGE_SIZE=4096 PATH=$tmp/bb "$tmp/bb/sh" "$ROOT/tools/tcpmem-exporter" -)"
# a file that cannot be read: no sample from it, its success 0, scrape error
rm "$fx/states"
exporter - >"$tmp/missing.prom"
expect "exporter: a missing file gives success 0, tcpmem_scrape_error 1, none of its samples" \
	'tcpmem_scrape_collector_success{file="states"} 0|tcpmem_scrape_error 1|0' \
	"$(grep -E '^tcpmem_scrape_(collector_success\{file="states"|error)' "$tmp/missing.prom" | tr '\n' '|')$(grep -cE '^tcpmem_socket(s|_slab_bytes|_buffer_bytes)\{' "$tmp/missing.prom")"
[ "$failed" -eq 0 ]
