#!/bin/bash
# run-vm.sh NAME MODE: boot the matrix kernel with its initramfs in QEMU (KVM
# when /dev/kvm is usable, else TCG; 2 CPUs, 2 NUMA nodes). ttyS0 -> .cache/logs/<name>-<mode>.console,
# ttyS1 -> .cache/logs/<name>-<mode>.results. Env: VM_TIMEOUT (s, default 1200);
# VM_APPEND: more kernel parameters; VM_TAG: logs are <name>-<mode>-<tag>.* instead.
# Exit status: the number of problems found (0 = results arrived, clean console).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 NAME check|demo|bench"
load_row "$1"
mode=$2
kernel=$CACHE/kernels/$K_RELEASE/vmlinuz
initrd=$OUT/initramfs/$K_RELEASE-$mode.cpio.gz
console=$OUT/logs/$K_NAME-$mode${VM_TAG:+-$VM_TAG}.console
results=$OUT/logs/$K_NAME-$mode${VM_TAG:+-$VM_TAG}.results
[ -f "$kernel" ] || die "no $kernel (run scripts/fetch-kernel.sh $K_NAME)"
[ -f "$initrd" ] || die "no $initrd (run scripts/mkinitramfs.sh $K_NAME $mode)"
mkdir -p "$OUT/logs"
rm -f "$console" "$results"

# KVM when /dev/kvm is usable (TCPMEM_ACCEL=tcg forces TCG): a KVM guest that
# cannot start exits at once; one that can is still waiting (-S) at the timeout
accel=(-accel tcg -cpu max)
if [ "${TCPMEM_ACCEL:-auto}" != tcg ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	krc=0
	timeout 3 qemu-system-x86_64 -accel kvm -cpu host -machine q35 -nodefaults -S \
		-display none -monitor none -serial none </dev/null >/dev/null 2>&1 || krc=$?
	[ "$krc" -ne 124 ] || accel=(-accel kvm -cpu host)
fi
echo "run-vm: $K_NAME $mode${VM_TAG:+ ($VM_TAG)}: qemu ${accel[*]}${VM_APPEND:+, +$VM_APPEND}"

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
	-append "console=ttyS0 panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1 tcpmem.mode=$mode tcpmem.kernel=$K_NAME${VM_APPEND:+ $VM_APPEND}" \
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
