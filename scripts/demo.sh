#!/bin/bash
# demo.sh [demo|bench]: boot the demo kernel (env DEMO_KERNEL, default 6.12)
# running selftests/tcpmem/demo.sh (or bench.sh) and print its output.
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
"$S/mkinitramfs.sh" "$name" "$mode"
rc=0
"$S/run-vm.sh" "$name" "$mode" || rc=$?
grep -av '^# tcpmem-vm: done' "$OUT/logs/$name-$mode.results" || true
exit "$rc"
