#!/bin/bash
# fetch-kernel.sh NAME: download the matrix row's kernel image package and
# extract its vmlinuz to $CACHE/kernels/<release>/vmlinuz (cached).
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
	echo "fetch-kernel: $dir/vmlinuz -> $SANITIZER_DIR/vmlinuz ($(cat "$SANITIZER_DIR/release"))"
	exit 0
fi
[ -s "$dir/vmlinuz" ] && exit 0

mkdir -p "$CACHE/debs"
shopt -s nullglob
debs=("$CACHE/debs/${K_IMAGE}_"*.deb)
if [ ${#debs[@]} -eq 0 ]; then
	echo "fetch-kernel: downloading $K_IMAGE ($K_SUITE)"
	# -o APT::Sandbox::User=root: the _apt user cannot write into $CACHE (under /root)
	apt=(apt-get -q -o APT::Sandbox::User=root)
	if ! apt-cache show "$K_IMAGE" >/dev/null 2>&1; then
		# not in the host's apt sources: a private apt state for $K_SUITE
		a=$CACHE/apt/$K_SUITE
		url=http://deb.debian.org/debian
		case $K_SUITE in *-security) url=$url-security ;; esac
		mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $url $K_SUITE main" >"$a/sources.list"
		apt+=(-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
			-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
			-o Acquire::Check-Valid-Until=false)
		"${apt[@]}" update >/dev/null || die "$K_NAME: apt-get update for $K_SUITE failed"
	fi
	(cd "$CACHE/debs" && "${apt[@]}" download "$K_IMAGE") ||
		die "$K_NAME: apt-get download $K_IMAGE ($K_SUITE) failed"
	debs=("$CACHE/debs/${K_IMAGE}_"*.deb)
fi
deb=${debs[0]}

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
echo "fetch-kernel: $dir/vmlinuz"
