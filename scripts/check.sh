#!/bin/bash
# check.sh [NAME...]: for each matrix kernel (default: all): resolve it
# (scripts/resolve.sh: the newest kernel of the row's series in its suite),
# fetch (or build) it, prepare its build environment (headers, chroot), build
# tcpmem.ko (dkms-<suite> rows: the module DKMS builds from the .deb), build
# the initramfs, boot it in QEMU running the selftests, and summarize the KTAP
# results. Before the kernels, the host-side "infra" suite
# (scripts/test-infra.sh, no VM) tests these scripts; TCPMEM_INFRA=0 skips it.
# A row that cannot be resolved or fetched is SKIPPED with the reason, or a
# failure if the matrix marks it required; a build or test problem is always
# a failure. The summary always prints; exits non-zero if anything failed.
# TCPMEM_ONLY=test_a.sh,test_b.sh (development): one boot running only those
# selftests, no debugfs=off boot. The rows are set up one after the other,
# the slowest VMs' rows first (the sanitizer's, then arm64's, then matrix
# order); each row's VM starts as soon as the row is ready and a slot is free
# (TCPMEM_JOBS at a time, default: the CPUs, at most 4), so the VMs run while
# later rows download and build. The results print in matrix order.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts

# ktap FILE: the results and "@counts P F S" (scripts/ktap.awk)
ktap() {
	awk -f "$S/ktap.awk" "$1"
}

# step LABEL CMD...: run CMD, add its wall time to $times
step() {
	local t=$SECONDS rc=0
	"${@:2}" 2>&1 || rc=$?
	times="$times, $1 $((SECONDS - t)) s"
	return $rc
}

# count FILE: print FILE's results, add its counts to p f s
count() {
	local out p2 f2 s2
	if [ ! -f "$1" ]; then
		echo "not ok - no results: $1"
		f=$((f + 1))
		return
	fi
	out=$(ktap "$1")
	printf '%s\n' "$out" | grep -v '^@counts '
	read -r p2 f2 s2 <<<"$(printf '%s\n' "$out" | sed -n 's/^@counts //p')"
	p=$((p + p2)) f=$((f + f2)) s=$((s + s2))
}

# promcheck NAME: the output selftests/tcpmem/test_exporter.sh printed in the
# VM (lines "prom| ..." before "tcpmem-exporter: end"), checked by promtool
# check metrics on the host: one more result in the row (none if the test
# did not run)
promcheck() {
	local r=$OUT/logs/$1-check.results prom=$OUT/logs/$1-check.prom out
	grep -q '^# tcpmem-exporter: begin$' "$r" 2>/dev/null || return 0
	sed -n 's/^# prom| //p' "$r" >"$prom"
	if ! grep -q '^# tcpmem-exporter: end$' "$r"; then
		echo "not ok - promtool check metrics: the exporter output of $1 is cut short"
		f=$((f + 1))
	elif out=$("$("$S/promtool.sh")" check metrics <"$prom" 2>&1); then
		echo "ok - promtool check metrics: the exporter output of $1 ($(grep -c '^tcpmem_' "$prom") samples)"
		p=$((p + 1))
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		echo "not ok - promtool check metrics: the exporter output of $1 ($prom)"
		f=$((f + 1))
	fi
}

"$S/deps.sh"
# shellcheck disable=SC2046 # names have no spaces
[ $# -gt 0 ] || set -- $(matrix_names)
for name in "$@"; do load_spec "$name"; done
# the rows of this run (scripts/dkms-check.sh builds for all its dkms rows at once)
export TCPMEM_KERNELS="$*"
tp=0 tf=0 ts=0 summary=() skipped=()
mkdir -p "$OUT/logs"

if [ "${TCPMEM_INFRA:-1}" != 0 ]; then
	echo "==== infra (scripts/test-infra.sh, on the host)"
	p=0 f=0 s=0 t0=$SECONDS rc=0
	"$S/test-infra.sh" >"$OUT/logs/infra.results" 2>"$OUT/logs/infra.log" || rc=$?
	echo "# tcpmem-vm: done rc=$rc" >>"$OUT/logs/infra.results"
	count "$OUT/logs/infra.results"
	summary+=("infra    scripts/test-infra.sh: $p passed, $f failed, $s skipped ($((SECONDS - t0)) s)")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
fi

# vm_row NAME: the row's boots (run in the background, several rows at once);
# output to $OUT/logs/NAME-vm.out, "rc TIMES" to $OUT/logs/NAME-vm.status
vm_row() {
	local name=$1 f=0 times=''
	if [ -n "${TCPMEM_ONLY:-}" ]; then
		# development: these tests alone, one boot
		step vm env VM_APPEND="tcpmem.only=$TCPMEM_ONLY" \
			"$S/run-vm.sh" "$name" check || f=$?
	else
		step vm "$S/run-vm.sh" "$name" check || f=$?
		# a second, short boot: debugfs=off, test_debugfs_off.sh alone
		step vm-nodebugfs env VM_TAG=nodebugfs \
			VM_APPEND="debugfs=off tcpmem.only=test_debugfs_off.sh" \
			"$S/run-vm.sh" "$name" check || f=$((f + $?))
	fi
	echo "$f $times" >"$OUT/logs/$name-vm.status"
}

# VM slots: TCPMEM_JOBS at a time (default: one per CPU, at most 4; a TCG
# guest keeps about one host CPU busy)
jobs=${TCPMEM_JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -le 4 ] || jobs=4
queue=() tv=$SECONDS vms=0

# vm_start: start the queued rows' VMs while a slot is free (the setup runs
# in the foreground, so this shell's only background jobs are VMs)
vm_start() {
	local name
	while [ ${#queue[@]} -gt 0 ] && [ "$(jobs -rp | wc -l)" -lt "$jobs" ]; do
		name=${queue[0]}
		queue=("${queue[@]:1}")
		echo "vm: $name: started at +$((SECONDS - tv)) s"
		vm_row "$name" >"$OUT/logs/$name-vm.out" 2>&1 &
		vms=$((vms + 1))
	done
	return 0
}

# 1. each row's kernel, build environment, module and initramfs, one row
# after the other (they share the chroots and the package cache), the rows
# whose VMs take longest first: the sanitizer row, then the arm64 rows
# (emulated), then matrix order. A ready row's VM starts at once if a slot
# is free, else when one is (checked after each setup step and at the end).
san=() arm=() amd=()
for name in "$@"; do
	load_spec "$name"
	if [ "$K_BUILDENV" = sanitizer ]; then
		san+=("$name")
	elif [ "$K_ARCH" = arm64 ]; then
		arm+=("$name")
	else
		amd+=("$name")
	fi
done
setup=("${san[@]}" "${arm[@]}" "${amd[@]}")
echo "==== setup order: ${setup[*]}; VMs $jobs at a time, each as soon as its row is ready"
declare -A R_WHY R_F R_TIMES R_RESOLVED R_PREP R_READY
for name in "${setup[@]}"; do
	load_spec "$name"
	req=
	[ "$K_REQUIRED" != required ] || req=", required"
	echo "==== kernel $K_NAME ($K_SUITE, series $K_SERIES, flavour $K_FLAVOUR$req): setting up"
	f=0 t0=$SECONDS times='' why='' resolved=''
	# what a VM of an earlier run left, never to be counted as this run's
	rm -f "$OUT/logs/$name-check.accel" "$OUT/logs/$name-check.results" \
		"$OUT/logs/$name-check-nodebugfs.results" "$OUT/logs/$name-vm.status"
	# why: set when the row cannot be set up (SKIPPED, or failed if required)
	rrc=0
	step resolve "$S/resolve.sh" "$name" || rrc=$?
	vm_start
	if [ "$rrc" -eq 2 ]; then
		why=$(cat "$OUT/resolved/$name.skip")
	elif [ "$rrc" -ne 0 ]; then
		why="scripts/resolve.sh failed (exit $rrc)"
	else
		load_row "$name"
		resolved="$K_RELEASE: $K_IMAGE $K_IMAGE_VERSION"
		[ "$K_HEADERS" = - ] || resolved="$resolved, $K_HEADERS $K_HEADERS_VERSION"
		if ! step fetch "$S/fetch-kernel.sh" "$name"; then
			if [ "$K_BUILDENV" = sanitizer ]; then
				why="scripts/sanitizer-kernel.sh failed"
			else
				why="cannot fetch $K_IMAGE $K_IMAGE_VERSION ($K_SUITE)"
			fi
		elif ! vm_start || ! step buildenv "$S/buildenv.sh" "$name"; then
			why="cannot set up the build environment ($K_BUILDENV, $K_HEADERS)"
		elif ! vm_start || ! step build "$S/build-module.sh" "$name"; then
			echo "$name: FAILED to build tcpmem.ko"
			f=1
		elif ! vm_start || ! step initramfs "$S/mkinitramfs.sh" "$name" check; then
			echo "$name: FAILED to build the initramfs"
			f=1
		else
			R_READY[$name]=1
			queue+=("$name")
		fi
	fi
	R_WHY[$name]=$why R_F[$name]=$f R_TIMES[$name]=$times R_RESOLVED[$name]=$resolved
	R_PREP[$name]=$((SECONDS - t0))
	vm_start
done

# 2. the VMs still queued, as slots free up
echo "==== setup done at +$((SECONDS - tv)) s; VMs queued: ${queue[*]:-none}"
while [ ${#queue[@]} -gt 0 ]; do
	wait -n || true
	vm_start
done
wait || true
[ "$vms" -eq 0 ] || echo "vm: all done at +$((SECONDS - tv)) s"

# 3. each row's results, in matrix order
for name in "$@"; do
	load_spec "$name"
	req=
	[ "$K_REQUIRED" != required ] || req=", required"
	echo "==== kernel $K_NAME ($K_SUITE, series $K_SERIES, flavour $K_FLAVOUR$req)"
	p=0 s=0 f=${R_F[$name]} why=${R_WHY[$name]} times=${R_TIMES[$name]}
	resolved=${R_RESOLVED[$name]} wall=${R_PREP[$name]}
	if [ -n "${R_READY[$name]:-}" ]; then
		cat "$OUT/logs/$name-vm.out"
		if read -r vf vtimes <"$OUT/logs/$name-vm.status"; then
			f=$((f + vf))
			times="$times, ${vtimes#, }"
			for t in $(printf '%s\n' "$vtimes" | grep -oE '[0-9]+ s' | tr -d ' s'); do
				wall=$((wall + t))
			done
		else
			echo "$name: the VM step left no status"
			f=$((f + 1))
		fi
		count "$OUT/logs/$name-check.results"
		[ -n "${TCPMEM_ONLY:-}" ] || count "$OUT/logs/$name-check-nodebugfs.results"
		promcheck "$name"
	fi
	[ -z "$resolved" ] || load_row "$name"
	accel=$(cat "$OUT/logs/$name-check.accel" 2>/dev/null || echo "not run")
	[ -z "$times" ] || times=" (${times#, })"
	wall="wall time $wall s$times"
	if [ -n "$why" ] && [ "$K_REQUIRED" = required ]; then
		echo "kernel $K_NAME: FAILED (a required row): $why"
		f=$((f + 1))
		line="FAILED (required): $why"
	elif [ -n "$why" ]; then
		echo "kernel $K_NAME: SKIPPED: $why"
		skipped+=("$K_NAME")
		line="SKIPPED: $why"
	else
		echo "kernel $K_NAME ($K_RELEASE): $p passed, $f failed, $s skipped"
		line="$p passed, $f failed, $s skipped; $resolved; $K_BUILDENV; qemu $accel"
	fi
	echo "kernel $K_NAME: $wall"
	summary+=("$(printf '%-8s %s; %s' "$K_NAME" "$line" "$wall")")
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "==== summary (wall time $((SECONDS - tv)) s from the first setup step)"
printf '%s\n' "${summary[@]}"
[ ${#skipped[@]} -eq 0 ] || echo "kernels SKIPPED: ${skipped[*]}"
total="$tp passed, $tf failed"
[ "$ts" -eq 0 ] || total="$total, $ts skipped"
echo "$total"
[ "$tf" -eq 0 ]
