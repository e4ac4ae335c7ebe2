#!/bin/bash
# run-vm.sh NAME MODE: boot the matrix kernel with its initramfs in QEMU (KVM
# when /dev/kvm is usable, else TCG; 2 CPUs, 2 NUMA nodes). ttyS0 -> .cache/logs/<name>-<mode>.console,
# ttyS1 -> .cache/logs/<name>-<mode>.results; the accelerator (kvm or tcg)
# -> .cache/logs/<name>-<mode>.accel. Env: VM_TIMEOUT (s, default 3600: the whole suite; each test has its own timeout in selftests/tcpmem/settings).
# VM_APPEND: more kernel parameters; VM_MEM: guest memory in MB (default 2048),
# split evenly between the two nodes (make bench raises it); VM_TAG: logs are <name>-<mode>-<tag>.* instead.
# An arm64 row (arch column of matrix.tsv) boots in qemu-system-aarch64 (TCG,
# -M virt -cpu max): its console is the PL011 (ttyAMA0), its results port a
# virtio console (hvc0, the guest's tcpmem.out=).
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
qlog=$OUT/logs/$K_NAME-$mode${VM_TAG:+-$VM_TAG}.qemu
[ -f "$kernel" ] || die "no $kernel (run scripts/fetch-kernel.sh $K_NAME)"
[ -f "$initrd" ] || die "no $initrd (run scripts/mkinitramfs.sh $K_NAME $mode)"
mkdir -p "$OUT/logs"

# kvm_cpu: the -cpu model a KVM guest can start with here, or nothing. A guest
# that cannot start exits at once; one that can is still waiting (-S) at the
# timeout. Nested hosts may refuse to set IA32_ARCH_CAPABILITIES (MSR 0x10a).
kvm_cpu() {
	local cpu krc
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	for cpu in host host,-arch-capabilities; do
		krc=0
		(timeout 3 qemu-system-x86_64 -accel kvm -cpu "$cpu" -machine q35 -nodefaults -S \
			-display none -monitor none -serial none </dev/null >/dev/null 2>&1) 2>/dev/null || krc=$?
		if [ "$krc" -eq 124 ]; then
			echo "$cpu"
			return 0
		fi
	done
}

# boot ACCEL...: run the VM; 0 or qemu's (timeout's) status. Under KVM, a
# guest that KVM cannot run ("KVM internal error", e.g. an instruction the
# emulator of a nested host does not know) is stopped at once: status 250.
# So is one whose kernel printed nothing in KVM_BOOT_S seconds (default
# 60; a KVM guest prints "Linux version" within a few): on a nested host
# whose /dev/kvm opens, a cold cache once saw 5.10 spin in its firmware
# under KVM ("Booting from ROM") for 20 minutes, with no error to notice.
boot() {
	local qpid st=0 kvm=0 mem=${VM_MEM:-2048} qemu=qemu-system-x86_64 machine=()
	local ports=(-serial "file:$console" -serial "file:$results") cons=ttyS0 out=
	[ "$1 $2" != "-accel kvm" ] || kvm=1
	if [ "$K_ARCH" = arm64 ]; then
		qemu=qemu-system-aarch64 machine=(-M virt) cons=ttyAMA0 out=" tcpmem.out=hvc0"
		# shellcheck disable=SC2054 # commas of a qemu option
		ports=(-serial "file:$console" -chardev "file,id=results,path=$results"
			-device virtio-serial-pci -device virtconsole,chardev=results)
	fi
	rm -f "$console" "$results"
	timeout -k 10 "${VM_TIMEOUT:-3600}" "$qemu" "${machine[@]}" \
		"$@" -smp 2,sockets=2,cores=1,threads=1 -m "$mem" \
		-object memory-backend-ram,id=m0,size=$((mem / 2))M \
		-object memory-backend-ram,id=m1,size=$((mem - mem / 2))M \
		-numa node,nodeid=0,cpus=0,memdev=m0 \
		-numa node,nodeid=1,cpus=1,memdev=m1 \
		-nographic -no-reboot -display none -monitor none \
		"${ports[@]}" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=$cons panic=-1 panic_on_warn=1 oops=panic softlockup_panic=1 tcpmem.mode=$mode tcpmem.kernel=$K_NAME$out${VM_APPEND:+ $VM_APPEND}" \
		</dev/null 2>"$qlog" &
	qpid=$!
	local waited=0 started=0
	while [ "$kvm" -eq 1 ] && kill -0 "$qpid" 2>/dev/null; do
		if [ "$started" -eq 0 ] && grep -aq 'Linux version' "$console" 2>/dev/null; then
			started=1
		fi
		if [ "$started" -eq 0 ] && [ "$waited" -ge "${KVM_BOOT_S:-60}" ]; then
			kill "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			# after qemu is gone: its stderr is not opened to append
			echo "KVM internal error: the guest printed no kernel output in ${KVM_BOOT_S:-60} s" >>"$qlog"
			echo "Suberror: none, a stall (console: $(tr -dc '[:print:]' <"$console" | tail -c 60))" >>"$qlog"
			return 250
		fi
		if grep -aq 'KVM internal error' "$qlog" 2>/dev/null; then
			kill "$qpid" 2>/dev/null || true
			wait "$qpid" 2>/dev/null || true
			return 250
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qpid" || st=$?
	cat "$qlog" >&2
	return "$st"
}

# KVM when it works here (TCPMEM_ACCEL=tcg forces TCG), TCG otherwise
rc=0 cpu=
# a host where KVM starts but cannot run our guests is remembered (keyed by
# the host kernel and qemu) so later runs go straight to TCG
nokvm=$CACHE/accel/nokvm-$(uname -r)-$(qemu-system-x86_64 --version | sed -n '1s/[^0-9.].*version \([^ ]*\).*/\1/p')
# (an arm64 row: always TCG, an x86-64 host cannot run it with KVM)
[ "${TCPMEM_ACCEL:-auto}" = tcg ] || [ -f "$nokvm" ] || foreign_arch || cpu=$(kvm_cpu)
if [ -n "$cpu" ]; then
	echo "run-vm: $K_NAME $mode${VM_TAG:+ ($VM_TAG)}: accelerator kvm (-cpu $cpu)${VM_APPEND:+, +$VM_APPEND}"
	echo kvm >"$OUT/logs/$K_NAME-$mode.accel"
	boot -accel kvm -cpu "$cpu" || rc=$?
	if [ "$rc" -eq 250 ]; then
		echo "run-vm: $K_NAME $mode: KVM cannot run this guest here ($(grep -a -m1 -A9 'KVM internal error' "$qlog" | grep -a -m1 -E 'failure|Suberror')): again with TCG"
		cpu= rc=0
		mkdir -p "${nokvm%/*}"
		grep -a -m1 -A12 'KVM internal error' "$qlog" >"$nokvm" || true
	fi
fi
if [ -z "$cpu" ]; then
	why="no usable /dev/kvm"
	[ ! -f "$nokvm" ] || why="KVM cannot run these guests on this host: $nokvm"
	[ "${TCPMEM_ACCEL:-auto}" != tcg ] || why="TCPMEM_ACCEL=tcg"
	! foreign_arch || why="an $K_ARCH guest"
	echo "run-vm: $K_NAME $mode${VM_TAG:+ ($VM_TAG)}: accelerator tcg ($why)${VM_APPEND:+, +$VM_APPEND}"
	# for the summary of scripts/check.sh
	echo tcg >"$OUT/logs/$K_NAME-$mode.accel"
	tcgcpu=max
	# arm64: pointer authentication with QEMU's cheap implementation-defined
	# algorithm instead of the architected QARMA (much slower under TCG)
	! foreign_arch || tcgcpu=max,pauth-impdef=on
	boot -accel tcg -cpu "$tcgcpu" || rc=$?
fi
case $rc in
0) ;;
124) echo "$K_NAME: VM timed out after ${VM_TIMEOUT:-3600} s" ;;
*) echo "$K_NAME: qemu exited with status $rc" ;;
esac

problems=0
touch "$console" "$results"
# also lockdep, KASAN, RCU stall and hung task reports
# The call trace of an OOM-killer or allocation-failure report is not a
# kernel bug: test_fallback's fragment fills memory on purpose. Every other
# trace counts.
hits=$(tr -d '\r' <"$console" | awk '
	/invoked oom-killer:|: page allocation failure: order:/ { oom = 1 }
	/Call Trace/ && oom { oom = 0; next }
	/BUG:|WARNING:|Oops|Call Trace|Kernel panic|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN:|rcu_sched detected stalls|rcu: INFO|hung_task|blocked for more than/') || true
if [ -n "$hits" ]; then
	printf '%s\n' "$hits" | sed -n 1,20p
	echo "$K_NAME: kernel BUG/WARNING/Oops/panic/lockdep/KASAN/RCU stall/hung task in the console log ($console)"
	problems=$((problems + 1))
fi
if ! grep -aq '^# tcpmem-vm: done' "$results"; then
	echo "$K_NAME: VM returned no result (see $console)"
	tail -n 30 "$console" | tr -d '\r'
	problems=$((problems + 1))
fi
exit "$problems"
