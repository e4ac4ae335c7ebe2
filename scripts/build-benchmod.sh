#!/bin/bash
# build-benchmod.sh NAME: build selftests/tcpmem/benchmod/tm_count.ko (the
# count-only walk make bench measures as its floor) for a matrix kernel in
# .cache/build/<release>-benchmod/, in the same build environment and with
# the same rules as scripts/build-module.sh (W=1, sparse, no warning line).
# Test-only: never in the .deb nor in dkms.conf; scripts/mkinitramfs.sh puts
# it in the bench initramfs as /tcpmem/tm_count.ko.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

out=$OUT/build/$K_RELEASE-benchmod
"$ROOT/scripts/buildenv.sh" "$K_NAME" >&2
rm -rf "$out"
mkdir -p "$out"
cp "$ROOT/selftests/tcpmem/benchmod/Kbuild" "$ROOT/selftests/tcpmem/benchmod/tm_count.c" "$out/"
log=$out/build.log
rc=0
kbuild_modules "$out" >"$log" 2>&1 || rc=$?
if bad_build_lines "$log" || [ "$rc" -ne 0 ] || [ ! -f "$out/tm_count.ko" ]; then
	tail -n 30 "$log" >&2
	echo "$K_NAME: tm_count.ko build failed (make rc=$rc; full log: $log)" >&2
	exit 1
fi
echo "build-benchmod: $out/tm_count.ko (W=1, no warnings)"
