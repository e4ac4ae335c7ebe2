#!/bin/bash
# build-module.sh NAME: build tcpmem.ko for a matrix kernel in
# .cache/build/<release>/ of the checkout (a copy of Kbuild, module/, include/), in the row's
# build environment (buildenv: host, chroot-<suite>, dkms-<suite>, sanitizer;
# scripts/buildenv.sh). Any compiler/kbuild/modpost "warning:" or "error:" line
# (any case) fails the build, except kbuild's "the compiler differs" note
# (bad_build_lines in lib.sh). dkms-<suite> rows: after that W=1 build,
# scripts/dkms-check.sh replaces .cache/build/<release>/tcpmem.ko with the
# module DKMS built from the .deb (unless TCPMEM_NO_DKMS=1: make demo).
# C=2: sparse checks every file in the same make; its lines say "warning:" or
# "error:" too, and fail the build like the compiler's.
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
kbuild_modules "$out" >"$log" 2>&1 || rc=$?

if bad_build_lines "$log"; then
	echo "$K_NAME: build failed: warnings/errors above (full log: $log)" >&2
	exit 1
fi
if [ "$rc" -ne 0 ] || [ ! -f "$out/tcpmem.ko" ]; then
	tail -n 30 "$log" >&2
	echo "$K_NAME: build failed (make rc=$rc; full log: $log)" >&2
	exit 1
fi
if grep -q '^warning: the compiler differs' "$log"; then
	echo "$K_NAME: note: kbuild says the compiler differs from the kernel's (allowed):"
	grep -A2 '^warning: the compiler differs' "$log"
fi
echo "build-module: $out/tcpmem.ko (W=1, no warnings)"
case $K_BUILDENV in
dkms-*)
	[ "${TCPMEM_NO_DKMS:-0}" = 1 ] && exit 0
	# the module that is tested is the one DKMS builds from the .deb
	"$ROOT/scripts/dkms-check.sh" "$K_NAME"
	;;
esac
