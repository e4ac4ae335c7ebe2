#!/bin/bash
# build-module.sh NAME: build tcpmem.ko for a matrix kernel in
# .cache/build/<release>/ (a copy of Kbuild, module/, include/).
# Any compiler/kbuild "warning:" or "error:" line fails the build.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

out=$CACHE/build/$K_RELEASE
[ -f "$ROOT/Kbuild" ] || die "$K_NAME: no Kbuild in $ROOT"
rm -rf "$out"
mkdir -p "$out"
# the module sources: tracked and untracked-but-not-ignored files
(cd "$ROOT" && git ls-files -co --exclude-standard -z -- Kbuild module include |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -C "$out" -xf -

log=$out/build.log
case $K_BUILDENV in
host)
	kdir=/usr/src/linux-headers-$K_RELEASE
	[ -d "$kdir" ] || die "$K_NAME: $kdir missing (run scripts/deps.sh)"
	rc=0
	make -C "$kdir" M="$out" W=1 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
	;;
*)
	# future rows (e.g. a debootstrap chroot for bullseye/sid) plug in here
	die "$K_NAME: build environment '$K_BUILDENV' is not implemented (only 'host')"
	;;
esac

if grep -E 'warning:|error:' "$log"; then
	echo "$K_NAME: build failed: warnings/errors above (full log: $log)" >&2
	exit 1
fi
if [ "$rc" -ne 0 ] || [ ! -f "$out/tcpmem.ko" ]; then
	tail -n 30 "$log" >&2
	echo "$K_NAME: build failed (make rc=$rc; full log: $log)" >&2
	exit 1
fi
echo "build-module: $out/tcpmem.ko"
