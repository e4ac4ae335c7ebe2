#!/bin/bash
# check.sh [NAME...]: for each matrix kernel (default: all): fetch (or build)
# it, prepare its build environment (headers, chroot), build tcpmem.ko, build
# the initramfs, boot it in QEMU running the selftests, and summarize the KTAP
# results. A kernel that cannot be set up counts as a failure. Exits non-zero
# if anything failed.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts

# ktap FILE: print the result lines (failures with the "# " diagnostics right
# before them), then "@counts P F S". Indented result lines are subtests; a
# top-level line counts only if no subtest results came since the previous one
# (or if it is "not ok" while none of its subtests failed).
ktap() {
	awk '
	function result(line) {
		if (line ~ /^[ \t]*not ok/) {
			f++
			for (i = (nd > 20 ? nd - 20 : 0); i < nd; i++) print d[i]
		} else if (tolower(line) ~ /#[ \t]*skip/) {
			s++
		} else {
			p++
		}
		print line
	}
	/^# tcpmem-vm: done rc=/ { done = 1; rc = substr($0, 21) + 0; next }
	/^[ \t]*#/ { if (/^[ \t]*# /) d[nd++] = $0; next }
	/^[ \t]+(not )?ok [0-9]+/ {
		sub_seen = 1
		if (/^[ \t]*not ok/) sub_failed = 1
		result($0); nd = 0; next
	}
	/^(not )?ok [0-9]+/ {
		top++
		if (!sub_seen) {
			result($0)
		} else if (/^not ok/ && !sub_failed) {
			# e.g. a test script died after some passing subtests
			print "# (counted below: the test failed though none of its subtests did)"
			result($0)
		} else {
			print
		}
		sub_seen = sub_failed = 0; nd = 0; next
	}
	/^1\.\.[0-9]+/ { plan = substr($0, 4) + 0 }
	{ nd = 0 }
	END {
		if (done && plan > top) {
			print "# only " top + 0 " of " plan " planned top-level results arrived"
			f++
		}
		if (done && rc != 0 && rc != 4 && f == 0) {
			print "# the test script exited with rc=" rc " but reported no failure"
			f++
		}
		print "@counts", p + 0, f + 0, s + 0
	}' "$1"
}

# step LABEL CMD...: run CMD, add its wall time to $times
step() {
	local t=$SECONDS rc=0
	"${@:2}" 2>&1 || rc=$?
	times="$times, $1 $((SECONDS - t)) s"
	return $rc
}

"$S/deps.sh"
# shellcheck disable=SC2046 # names have no spaces
[ $# -gt 0 ] || set -- $(matrix_names)
tp=0 tf=0 ts=0
for name in "$@"; do
	load_row "$name"
	echo "==== kernel $K_NAME ($K_RELEASE)"
	p=0 f=0 s=0 t0=$SECONDS times=
	if ! step fetch "$S/fetch-kernel.sh" "$name"; then
		if [ "$K_BUILDENV" = sanitizer ]; then
			echo "$name: FAILED to set up the kernel: scripts/sanitizer-kernel.sh failed"
		else
			echo "$name: FAILED to set up the kernel: cannot fetch $K_IMAGE ($K_SUITE)"
		fi
		f=1
	elif ! step buildenv "$S/buildenv.sh" "$name"; then
		echo "$name: FAILED to set up the build environment ($K_BUILDENV)"
		f=1
	elif ! step build "$S/build-module.sh" "$name"; then
		echo "$name: FAILED to build tcpmem.ko"
		f=1
	elif ! step initramfs "$S/mkinitramfs.sh" "$name" check; then
		echo "$name: FAILED to build the initramfs"
		f=1
	else
		step vm "$S/run-vm.sh" "$name" check || f=$?
		out=$(ktap "$OUT/logs/$name-check.results")
		printf '%s\n' "$out" | grep -v '^@counts '
		read -r p2 f2 s2 <<<"$(printf '%s\n' "$out" | sed -n 's/^@counts //p')"
		p=$p2 f=$((f + f2)) s=$s2
		# a second, short boot: debugfs=off, test_debugfs_off.sh alone
		step vm-nodebugfs env VM_TAG=nodebugfs \
			VM_APPEND="debugfs=off tcpmem.only=test_debugfs_off.sh" \
			"$S/run-vm.sh" "$name" check || f=$((f + $?))
		out=$(ktap "$OUT/logs/$name-check-nodebugfs.results")
		printf '%s\n' "$out" | grep -v '^@counts '
		read -r p2 f2 s2 <<<"$(printf '%s\n' "$out" | sed -n 's/^@counts //p')"
		p=$((p + p2)) f=$((f + f2)) s=$((s + s2))
	fi
	echo "kernel $K_NAME ($K_RELEASE): $p passed, $f failed, $s skipped"
	echo "kernel $K_NAME: wall time $((SECONDS - t0)) s (${times#, })"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
summary="$tp passed, $tf failed"
[ "$ts" -eq 0 ] || summary="$summary, $ts skipped"
echo "$summary"
[ "$tf" -eq 0 ]
