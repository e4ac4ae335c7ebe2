#!/bin/bash
# userland.sh ARCH: the initramfs userland of a foreign-architecture matrix row
# (scripts/mkinitramfs.sh): Debian bookworm's ARCH packages of busybox-static,
# ss (iproute2), slabtop (procps), numactl, bpftool and timeout (coreutils),
# and the shared libraries of their dependency closure, downloaded with a
# private apt state ($CACHE/apt/bookworm@ARCH) and extracted into
# $CACHE/userland/ARCH/<key>/ (cached, keyed by the package versions).
# Prints that directory. Nothing is installed, nothing from the host's
# architecture is used; the same bookworm userland as the amd64 rows' (the
# host's).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 ARCH"
arch=$1
tools="busybox-static iproute2 procps numactl bpftool coreutils"

suite_apt bookworm "$arch"
suite_apt_update >&2 || die "apt-get update of bookworm ($arch) failed"
# the closure with an empty dpkg status: every package the tools need; of it
# only the tools and the shared-library packages are extracted
# shellcheck disable=SC2086 # a word list
closure=$(apt-get "${apt_opts[@]}" -s install --no-install-recommends $tools |
	sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*/\1=\2/p')
[ -n "$closure" ] || die "apt-get -s install $tools ($arch) resolved nothing"
pkgs=$(printf '%s\n' "$closure" | grep -E "^($(echo "$tools" | tr ' ' '|')|lib[^=]*|zlib1g)=" |
	grep -vE '^(lib[^=]*-perl|libperl[^=]*)=' | sort)
key=$(printf '%s\n' "$pkgs" | sha256sum | cut -c1-16)
dir=$CACHE/userland/$arch/$key
if [ -f "$dir/.ready" ]; then
	echo "$dir"
	exit 0
fi
mkdir -p "$CACHE/userland/$arch" "$CACHE/debs/$arch"
exec 9>"$CACHE/userland/$arch/.lock"
flock 9
if [ ! -f "$dir/.ready" ]; then
	echo "userland: $arch: downloading $(echo "$pkgs" | wc -l) packages" >&2
	# shellcheck disable=SC2086 # a word list
	(cd "$CACHE/debs/$arch" && apt-get "${apt_opts[@]}" download $pkgs >&2) ||
		die "apt-get download ($arch) failed"
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	for p in $pkgs; do
		v=${p#*=}
		deb=$CACHE/debs/$arch/${p%%=*}_${v//:/%3a}_$arch.deb
		[ -f "$deb" ] || deb=$CACHE/debs/$arch/${p%%=*}_${v//:/%3a}_all.deb
		[ -f "$deb" ] || die "no $deb after apt-get download"
		dpkg-deb -x "$deb" "$dir.tmp"
	done
	touch "$dir.tmp/.ready"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
fi
echo "$dir"
