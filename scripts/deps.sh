#!/bin/bash
# deps.sh: apt-get install whatever the host lacks to build and test tcpmem.
# Quiet (and offline) when everything is installed already.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

pkgs="git make gcc libc6-dev qemu-system-x86 busybox-static bpftool iproute2 procps rsync
	numactl cpio kmod gzip sparse"
for name in $(matrix_names); do
	load_spec "$name"
	case $K_BUILDENV in
	# never installed on the host (they pull linux-image-* and change
	# what the machine boots): a host row needs them installed already
	host) ;;
	# the chroots bring their own headers and compiler (scripts/chroot.sh)
	chroot-*) pkgs="$pkgs debootstrap" ;;
	# scripts/sanitizer-kernel.sh installs its own build dependencies
	sanitizer) ;;
	esac
	# an arm64 row: its emulator, cross compiler and static libc for the
	# test helpers (its module is cross-built in the chroot)
	case $K_ARCH in
	arm64) pkgs="$pkgs qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils" ;;
	esac
done

# promtool (scripts/test-infra.sh, scripts/check.sh): extracted from
# Debian's prometheus package into the cache, never installed (the package
# would start a Prometheus server)
"$ROOT/scripts/promtool.sh" >/dev/null

missing=
# shellcheck disable=SC2086 # a word list
for p in $(printf "%s\n" $pkgs | sort -u); do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
[ "$(id -u)" -eq 0 ] || die "need root to install:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
