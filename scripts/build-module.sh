#!/bin/bash
# build-module.sh NAME: build tcpmem.ko for a matrix kernel in
# .cache/build/<release>/ of the checkout (a copy of Kbuild, module/, include/), in the row's
# build environment (buildenv: host, chroot-<suite>, sanitizer; scripts/buildenv.sh).
# C=2: sparse checks every file in the same make; its lines say "warning:"/"error:" too.
# Any compiler/kbuild/modpost/sparse "warning:" or "error:" line (any case) fails the build.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

out=$OUT/build/$K_RELEASE
[ -f "$ROOT/Kbuild" ] || die "$K_NAME: no Kbuild in $ROOT"
# headers / chroot / sanitizer tree (cached: quick when ready)
"$ROOT/scripts/buildenv.sh" "$K_NAME" >&2
rm -rf "$out"
mkdir -p "$out"
# the module sources: tracked and untracked-but-not-ignored files
(cd "$ROOT" && git ls-files -co --exclude-standard -z -- Kbuild module include |
	while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
	tar --null -T - -cf -) | tar -C "$out" -xf -

log=$out/build.log
rc=0
case $K_BUILDENV in
host)
	make -C "/usr/src/linux-headers-$K_RELEASE" M="$out" W=1 C=2 -j"$(nproc)" modules >"$log" 2>&1 || rc=$?
	;;
chroot-*)
	# the suite's compiler and pahole: $out is bind-mounted at /build/<release>
	"$ROOT/scripts/chroot.sh" run "${K_BUILDENV#chroot-}" "$out" \
		make -C "/usr/src/linux-headers-$K_RELEASE" M="/build/$K_RELEASE" W=1 C=2 \
		-j"$(nproc)" modules >"$log" 2>&1 || rc=$?
	;;
sanitizer)
	# our own kernel tree, made by scripts/fetch-kernel.sh
	# no jobserver/flags of an outer make (e.g. `make check`)
	(unset MAKEFLAGS MFLAGS MAKELEVEL
		make -C "$SANITIZER_DIR/build" M="$out" W=1 C=2 -j"$(nproc)" modules) >"$log" 2>&1 || rc=$?
	;;
esac

# case-insensitive: modpost says "WARNING: modpost: ... undefined!" (5.10)
if grep -iE 'warning:|error:' "$log"; then
	echo "$K_NAME: build failed: warnings/errors above (full log: $log)" >&2
	exit 1
fi
if [ "$rc" -ne 0 ] || [ ! -f "$out/tcpmem.ko" ]; then
	tail -n 30 "$log" >&2
	echo "$K_NAME: build failed (make rc=$rc; full log: $log)" >&2
	exit 1
fi
echo "build-module: $out/tcpmem.ko"
