#!/bin/bash
# fetch-kernel.sh NAME: download the kernel image package scripts/resolve.sh
# resolved for the matrix row (into $CACHE/debs, with the suite's private apt
# state: nothing is installed) and extract its vmlinuz to
# $CACHE/kernels/<release>/vmlinuz (cached, keyed by the package version).
# buildenv "sanitizer" rows: build the kernel with scripts/sanitizer-kernel.sh
# into $CACHE/sanitizer (it reuses its cached build) and link
# $CACHE/kernels/<release>/vmlinuz to $CACHE/sanitizer/vmlinuz.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"

dir=$CACHE/kernels/$K_RELEASE
if [ "$K_BUILDENV" = sanitizer ]; then
	san=$ROOT/scripts/sanitizer-kernel.sh
	[ -x "$san" ] || die "$K_NAME: no $san"
	"$san" "$SANITIZER_DIR" || die "$K_NAME: $san $SANITIZER_DIR failed"
	for f in vmlinuz release build/Module.symvers; do
		[ -s "$SANITIZER_DIR/$f" ] || die "$K_NAME: $san left no $SANITIZER_DIR/$f"
	done
	mkdir -p "$dir"
	ln -sfn ../../sanitizer/vmlinuz "$dir/vmlinuz"
	[ ! -f "$SANITIZER_DIR/build/.config" ] || cp "$SANITIZER_DIR/build/.config" "$dir/config"
	# shellcheck disable=SC2016 # a dpkg-query format
	built=$(dpkg-query -W -f='${Version}' "$K_IMAGE" 2>/dev/null || echo '?')
	echo "fetch-kernel: $dir/vmlinuz -> $SANITIZER_DIR/vmlinuz ($(cat "$SANITIZER_DIR/release"), from $K_IMAGE $built; newest in $K_SUITE: $K_IMAGE_VERSION)"
	exit 0
fi
# keyed by the release and the package version (a rebuild with the same ABI)
stamp="$K_IMAGE $K_IMAGE_VERSION"
if [ -s "$dir/vmlinuz" ] && [ "$(cat "$dir/package" 2>/dev/null)" = "$stamp" ]; then
	echo "fetch-kernel: $K_NAME: cached $dir/vmlinuz ($stamp)"
	exit 0
fi

mkdir -p "$CACHE/debs"
# the file name has the version without its epoch, ':' as %3a
deb=$CACHE/debs/${K_IMAGE}_${K_IMAGE_VERSION//:/%3a}_$K_ARCH.deb
if [ ! -f "$deb" ]; then
	echo "fetch-kernel: downloading $K_IMAGE $K_IMAGE_VERSION ($K_SUITE)"
	# the private apt state scripts/resolve.sh resolved the row in
	suite_apt "$K_SUITE" "$K_ARCH"
	(cd "$CACHE/debs" && apt-get "${apt_opts[@]}" download "$K_IMAGE=$K_IMAGE_VERSION") ||
		die "$K_NAME: apt-get download $K_IMAGE=$K_IMAGE_VERSION ($K_SUITE) failed"
	[ -f "$deb" ] || die "$K_NAME: apt-get download left no $deb"
fi

mkdir -p "$CACHE/kernels"
tmp=$(mktemp -d "$CACHE/kernels/.x.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
# the kernel: boot/vmlinuz-<release> up to Debian 13; since then (sid's
# linux-binary-*) usr/lib/modules/<release>/vmlinuz(.unsigned)
vmlinuz=
for f in "boot/vmlinuz-$K_RELEASE" "usr/lib/modules/$K_RELEASE/vmlinuz" \
	"usr/lib/modules/$K_RELEASE/vmlinuz.unsigned"; do
	if [ -f "$tmp/$f" ]; then
		vmlinuz=$tmp/$f
		break
	fi
done
[ -n "$vmlinuz" ] || die "$deb has no boot/vmlinuz-$K_RELEASE nor usr/lib/modules/$K_RELEASE/vmlinuz[.unsigned]"
mkdir -p "$dir"
cp "$tmp/boot/config-$K_RELEASE" "$dir/config" 2>/dev/null || true
cp "$vmlinuz" "$dir/vmlinuz.tmp"
mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
echo "$stamp" >"$dir/package"
echo "fetch-kernel: $K_NAME: $dir/vmlinuz ($stamp)"
