#!/bin/bash
# buildenv.sh NAME: prepare the environment scripts/build-module.sh builds the
# matrix row's module in (see the buildenv column of matrix.tsv). Cached: a
# no-op when everything is there already.
#   host           /usr/src/linux-headers-<release>, installed by the user (the
#                  scripts never install kernel packages on the host)
#   chroot-<suite> $CACHE/chroot/<suite> (scripts/chroot.sh), with the row's
#   dkms-<suite>   headers package installed inside
#   sanitizer      $CACHE/sanitizer/build (scripts/fetch-kernel.sh builds it)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

case $K_BUILDENV in
host)
	kdir=/usr/src/linux-headers-$K_RELEASE
	[ -d "$kdir" ] || die "$K_NAME: $kdir missing (install $K_HEADERS, or use a chroot-<suite> row)"
	;;
chroot-* | dkms-*)
	suite=$(build_suite)
	"$ROOT/scripts/chroot.sh" create "$suite" ||
		die "$K_NAME: cannot create the $suite chroot"
	"$ROOT/scripts/chroot.sh" install "$suite" "$K_HEADERS" ||
		die "$K_NAME: cannot install $K_HEADERS in the $suite chroot"
	kdir=$(chroot_dir "$suite")/usr/src/linux-headers-$K_RELEASE
	[ -d "$kdir" ] || die "$K_NAME: $K_HEADERS installed but no $kdir"
	# Debian's arch headers include their -common Makefile by absolute path;
	# made relative (make -C runs in the headers directory), the same tree
	# also builds from the host: make -C $kdir M=...
	sed -i '1s|^include /usr/src/\(linux-headers-[^/]*\)/Makefile$|include ../\1/Makefile|' "$kdir/Makefile"
	;;
sanitizer)
	kdir=$SANITIZER_DIR/build
	if [ ! -f "$kdir/Module.symvers" ] || [ ! -s "$SANITIZER_DIR/release" ]; then
		die "$K_NAME: no sanitizer kernel tree in $kdir (run scripts/fetch-kernel.sh $K_NAME)"
	fi
	;;
esac
