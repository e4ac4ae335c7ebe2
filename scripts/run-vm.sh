#!/bin/bash
# run-vm.sh NAME MODE: boot the matrix kernel with its initramfs in QEMU (KVM
# when /dev/kvm is usable, else TCG; 2 CPUs, 2 NUMA nodes). ttyS0 -> .cache/logs/<name>-<mode>.console,
# ttyS1 -> .cache/logs/<name>-<mode>.results; the accelerator (kvm or tcg)
# -> .cache/logs/<name>-<mode>.accel. Env: VM_TIMEOUT (s, default 1200).
# Exit status: the number of problems found (0 = results arrived, clean console).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 NAME check|demo|bench"
load_row "$1"
mode=$2
kernel=$CACHE/kernels/$K_RELEASE/vmlinuz
initrd=$OUT/initramfs/$K_RELEASE-$mode.cpio.gz
console=$OUT/logs/$K_NAME-$mode.console
results=$OUT/logs/$K_NAME-$mode.results
[ -f "$kernel" ] || die "no $kernel (run scripts/fetch-kernel.sh $K_NAME)"
[ -f "$initrd" ] || die "no $initrd (run scripts/mkinitramfs.sh $K_NAME $mode)"
mkdir -p "$OUT/logs"
rm -f "$console" "$results"

# KVM when /dev/kvm is usable (TCPMEM_ACCEL=tcg forces TCG): a KVM guest that
# cannot start exits at once; one that can is still waiting (-S) at the timeout
accel=(-accel tcg -cpu max)
why="no usable /dev/kvm"
if [ "${TCPMEM_ACCEL:-auto}" = tcg ]; then
	why="TCPMEM_ACCEL=tcg"
elif [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	# (in a subshell whose stderr is dropped: bash reports a qemu that
	# aborts, as it does on a PVM host, as "Aborted")
	krc=$( (timeout 3 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -nodefaults -S \
		-display none -monitor none -serial none </dev/null >/dev/null 2>&1
	echo $?) 2>/dev/null)
	if [ "$krc" -eq 124 ]; then
		accel=(-accel kvm -cpu host)
		why="/dev/kvm usable"
	else
		why="/dev/kvm present, but a KVM guest cannot start (qemu exit $krc)"
	fi
fi
echo "run-vm: $K_NAME $mode: qemu ${accel[*]} ($why)"
# for the summary of scripts/check.sh
echo "${accel[1]}" >"$OUT/logs/$K_NAME-$mode.accel"

rc=0
timeout --foreground -k 10 "${VM_TIMEOUT:-1200}" qemu-system-x86_64 \
	"${accel[@]}" -smp 2,sockets=2,cores=1,threads=1 -m 2048 \
	-object memory-backend-ram,id=m0,size=1024M \
	-object memory-backend-ram,id=m1,size=1024M \
	-numa node,nodeid=0,cpus=0,memdev=m0 \
	-numa node,nodeid=1,cpus=1,memdev=m1 \
	-nographic -no-reboot -display none -monitor none \
	-serial "file:$console" -serial "file:$results" \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1 tcpmem.mode=$mode tcpmem.kernel=$K_NAME" \
	</dev/null || rc=$?
case $rc in
0) ;;
124) echo "$K_NAME: VM timed out after ${VM_TIMEOUT:-1200} s" ;;
*) echo "$K_NAME: qemu exited with status $rc" ;;
esac

problems=0
touch "$console" "$results"
hits=$(grep -aE 'BUG:|WARNING:|Oops|Call Trace|Kernel panic' "$console" | tr -d '\r') || true
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" | sed -n 1,20p
	echo "$K_NAME: kernel BUG/WARNING/Oops/panic in the console log ($console)"
	problems=$((problems + 1))
fi
if ! grep -aq '^# tcpmem-vm: done' "$results"; then
	echo "$K_NAME: VM returned no result (see $console)"
	tail -n 30 "$console" | tr -d '\r'
	problems=$((problems + 1))
fi
exit "$problems"
