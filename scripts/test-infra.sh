#!/bin/bash
# test-infra.sh: KTAP tests of the test scripts themselves, on the host (no
# VM; about 10 s): the KTAP summary's exit-status guard, the build-warning
# filter, the version's one source of truth, and a matrix whose rows cannot be
# resolved (SKIPPED when not required, a failure when required, the other rows
# still run and the summary still prints). Run by scripts/check.sh first.
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
echo "1..11"

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
[ "$failed" -eq 0 ]
