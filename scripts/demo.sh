#!/bin/bash
# demo.sh [demo|bench]: boot the demo kernel (env DEMO_KERNEL, default 6.12)
# running selftests/tcpmem/demo.sh (or bench.sh) and print its output.
# bench: also builds the count-only walk (scripts/build-benchmod.sh), boots
# with VM_MEM MB (default 12288: a node holds the million partial slabs) and
# hands every BENCH_* variable of the environment to bench.sh (on the kernel
# command line; e.g. BENCH_BIG=1 for the 1M-socket run, BENCH_PAIRS=5000).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts
name=${DEMO_KERNEL:-6.12}
mode=${1:-demo}
"$S/resolve.sh" "$name"
load_row "$name"

"$S/deps.sh"
"$S/fetch-kernel.sh" "$name"
# the W=1 build only (make check tests the DKMS path of dkms-<suite> rows)
TCPMEM_NO_DKMS=1 "$S/build-module.sh" "$name"
if [ "$mode" = bench ]; then
	# tm_count.c needs lhash2 on sk_nulls_node (6.1 and later here, not 5.10): on an
	# older kernel the bench runs without its floor row
	"$S/build-benchmod.sh" "$name" ||
		echo "demo: no count-only walk for $name: the floor row will be missing" >&2
	export VM_MEM=${VM_MEM:-12288}
	for v in $(env | sed -n 's/^\(BENCH_[A-Z_]*=[0-9]*\)$/\1/p'); do
		VM_APPEND="${VM_APPEND:+$VM_APPEND }$v"
	done
	export VM_APPEND=${VM_APPEND:-}
fi
"$S/mkinitramfs.sh" "$name" "$mode"
rc=0
"$S/run-vm.sh" "$name" "$mode" || rc=$?
grep -av '^# tcpmem-vm: done' "$OUT/logs/$name-$mode.results" || true
exit "$rc"
