#!/bin/bash
# buildenv.sh NAME: prepare the environment scripts/build-module.sh builds the
# matrix row's module in (see the buildenv column of matrix.tsv). Cached: a
# no-op when everything is there already.
#   host           /usr/src/linux-headers-<release>, installed by the user (the
#                  scripts never install kernel packages on the host)
#   chroot-<suite> $CACHE/chroot/<suite> (scripts/chroot.sh), with the row's
#   dkms-<suite>   headers package installed inside
#   sanitizer      $CACHE/sanitizer/build (scripts/fetch-kernel.sh builds it)
# arm64 rows (chroot-<suite>): the arm64 headers package cannot be installed
# with apt in the amd64 chroot (it depends on arm64 kbuild tools and
# compiler); it is downloaded with the row's arm64 apt state and extracted
# into the chroot's /usr/src, and what it needs is installed there with apt:
# its -common headers (arch all), the amd64 linux-kbuild of the same version
# (its scripts/ symlink points there) and the suite's cross compiler that
# its .kernelvariables names ($(CROSS_COMPILE)gcc-N: gcc-N-aarch64-linux-gnu)
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

# cross_headers SUITE: the foreign-architecture headers of the row in the
# SUITE chroot, with what they need (see above)
cross_headers() {
	local suite=$1 root deb dir stamp deps pkgs gcc
	root=$(chroot_dir "$suite")
	dir=$root/usr/src/linux-headers-$K_RELEASE
	stamp="$K_HEADERS $K_HEADERS_VERSION $K_ARCH"
	deb=$CACHE/debs/${K_HEADERS}_${K_HEADERS_VERSION//:/%3a}_$K_ARCH.deb
	if [ ! -f "$deb" ]; then
		suite_apt "$K_SUITE" "$K_ARCH"
		(cd "$CACHE/debs" && apt-get "${apt_opts[@]}" download "$K_HEADERS=$K_HEADERS_VERSION") ||
			die "$K_NAME: apt-get download $K_HEADERS=$K_HEADERS_VERSION ($K_SUITE, $K_ARCH) failed"
		[ -f "$deb" ] || die "$K_NAME: apt-get download left no $deb"
	fi
	# the -common headers and linux-kbuild it depends on (version-less names)
	deps=$(dpkg-deb -f "$deb" Depends | sed 's/[,|]/\n/g' | sed -nE 's/^ *(linux-(headers-[^ ]*-common|kbuild-[^ ]*))( .*)?$/\1/p')
	[ -n "$deps" ] || die "$K_NAME: $deb depends on no linux-headers-*-common/linux-kbuild-*"
	if [ "$(cat "$dir/.tcpmem-deb" 2>/dev/null)" != "$stamp" ]; then
		{
			flock 9
			rm -rf "$dir"
			# usr/src alone, never replacing a directory symlink of
			# the merged-/usr chroot (the deb also has lib/modules/)
			dpkg-deb --fsys-tarfile "$deb" |
				tar -C "$root" --keep-directory-symlink -x "./usr/src/linux-headers-$K_RELEASE"
			echo "$stamp" >"$dir/.tcpmem-deb"
		} 9>"$CACHE/chroot/.$suite.lock"
		echo "buildenv: $K_NAME: $K_HEADERS ($K_ARCH) extracted into the $suite chroot"
	fi
	gcc=$(sed -nE 's/^CC = .*\$\(CROSS_COMPILE\)(gcc-[0-9]+)$/\1/p' "$dir/.kernelvariables")
	[ -n "$gcc" ] || die "$K_NAME: no \$(CROSS_COMPILE)gcc-N in $dir/.kernelvariables"
	pkgs="$deps $gcc-$(cross_prefix | sed 's/-$//')"
	# shellcheck disable=SC2086 # package names have no spaces
	"$ROOT/scripts/chroot.sh" install "$suite" $pkgs ||
		die "$K_NAME: cannot install $pkgs in the $suite chroot"
}

case $K_BUILDENV in
host)
	kdir=/usr/src/linux-headers-$K_RELEASE
	[ -d "$kdir" ] || die "$K_NAME: $kdir missing (install $K_HEADERS, or use a chroot-<suite> row)"
	;;
chroot-* | dkms-*)
	suite=$(build_suite)
	"$ROOT/scripts/chroot.sh" create "$suite" ||
		die "$K_NAME: cannot create the $suite chroot"
	if foreign_arch; then
		cross_headers "$suite"
	else
		"$ROOT/scripts/chroot.sh" install "$suite" "$K_HEADERS" ||
			die "$K_NAME: cannot install $K_HEADERS in the $suite chroot"
	fi
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
