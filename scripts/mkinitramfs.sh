#!/bin/bash
# mkinitramfs.sh NAME MODE: build .cache/initramfs/<release>-<mode>.cpio.gz:
# busybox + ss, slabtop, numactl, bpftool, timeout (with their libraries),
# /init = scripts/vm-init, /tcpmem/tcpmem.ko and /tcpmem/kselftest/ (the
# kselftest install tree of selftests/tcpmem); in bench mode also
# /tcpmem/tm_count.ko when scripts/build-benchmod.sh built it.
# Env: TCPMEM_ALLOW_NO_MODULE=1 tolerates a missing tcpmem.ko;
#      TCPMEM_SELFTESTS_DIR overrides the selftests/ directory (for infra tests).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 2 ] || die "usage: $0 NAME check|demo|bench"
load_row "$1"
mode=$2
case $mode in
check | demo | bench) ;;
*) die "unknown mode '$mode' (check, demo or bench)" ;;
esac
tests=${TCPMEM_SELFTESTS_DIR:-$ROOT/selftests}
ko=$OUT/build/$K_RELEASE/tcpmem.ko
out=$OUT/initramfs/$K_RELEASE-$mode.cpio.gz

# foreign_libs UL ELF: copy the loader and the shared libraries ELF needs
# (DT_NEEDED, recursively: readelf reads any architecture) from the userland
# UL (scripts/userland.sh) into $root, at their paths
foreign_libs() {
	local ul=$1 elf=$2 interp lib d found triplet
	triplet=$(cross_prefix)
	triplet=${triplet%-}
	interp=$(readelf -lW "$elf" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$root$interp" ]; then
		mkdir -p "$root${interp%/*}"
		cp -L "$ul$interp" "$root$interp"
	fi
	for lib in $(readelf -dW "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		found=
		for d in "lib/$triplet" "usr/lib/$triplet" lib usr/lib; do
			[ -e "$ul/$d/$lib" ] || continue
			found=$d/$lib
			break
		done
		[ -n "$found" ] || die "$K_NAME: $elf needs $lib, not in the $K_ARCH userland $ul"
		[ ! -e "$root/$found" ] || continue
		mkdir -p "$root/${found%/*}"
		cp -L "$ul/$found" "$root/$found"
		foreign_libs "$ul" "$ul/$found"
	done
}

mkdir -p "$OUT/initramfs"
root=$(mktemp -d "$OUT/initramfs/.root.XXXXXX")
trap 'rm -rf "$root"' EXIT

# busybox and its applet links (busybox --install -s, done at build time)
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,tmp,run,tcpmem}
chmod 1777 "$root/tmp"
tools="ss slabtop numactl bpftool timeout"
if foreign_arch; then
	# another architecture's: Debian's packages of it (scripts/userland.sh),
	# busybox's applet links made by vm-init at boot (busybox --install -s:
	# this busybox cannot run here to list them)
	ul=$("$ROOT/scripts/userland.sh" "$K_ARCH") || die "$K_NAME: no $K_ARCH userland"
	cp "$ul/bin/busybox" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	for tool in $tools; do
		path=
		for d in usr/sbin usr/bin sbin bin; do
			[ ! -f "$ul/$d/$tool" ] || { path=$d/$tool && break; }
		done
		[ -n "$path" ] || die "$K_NAME: no $tool in the $K_ARCH userland $ul"
		rm -f "$root/$path"
		cp -L "$ul/$path" "$root/$path"
		foreign_libs "$ul" "$ul/$path"
	done
else
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list-full); do
		[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
	done
	# dynamically linked tools, each with the libraries ldd lists + the loader;
	# coreutils' timeout replaces busybox's (kselftest's runner.sh needs
	# --foreground)
	for tool in $tools; do
		path=$(command -v "$tool") || die "$tool not installed (run scripts/deps.sh)"
		dest=$root/usr/${path#/usr/}
		rm -f "$dest"
		cp -L "$path" "$dest"
		for lib in $(ldd "$path" | grep -o '/[^ ]*'); do
			mkdir -p "$root${lib%/*}"
			[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
		done
	done
fi
# terminfo for slabtop
for t in l/linux v/vt100 d/dumb; do
	if [ -f "/lib/terminfo/$t" ]; then
		install -D -m 644 "/lib/terminfo/$t" "$root/lib/terminfo/$t"
	fi
done

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"
mknod "$root/dev/console" c 5 1
install -m 755 "$ROOT/scripts/vm-init" "$root/init"

# the module
if [ -f "$ko" ]; then
	cp "$ko" "$root/tcpmem/tcpmem.ko"
elif [ "${TCPMEM_ALLOW_NO_MODULE:-0}" = 1 ]; then
	echo "mkinitramfs: warning: no $ko (TCPMEM_ALLOW_NO_MODULE=1)" >&2
else
	die "$K_NAME: no $ko (run scripts/build-module.sh $K_NAME)"
fi
# the floor of make bench (scripts/build-benchmod.sh), in its initramfs only
benchko=$OUT/build/$K_RELEASE-benchmod/tm_count.ko
if [ "$mode" = bench ] && [ -f "$benchko" ]; then
	cp "$benchko" "$root/tcpmem/tm_count.ko"
fi

# the selftests: the kselftest install tree of selftests/tcpmem (tests,
# helpers, settings, run_kselftest.sh, kselftest-list.txt)
[ -f "$tests/tcpmem/Makefile" ] || die "no $tests/tcpmem/Makefile"
# from clean: a helper binary left by an earlier build was seen to survive
# its changed source into an image
# another architecture's: its helpers cross-built, no leakmod (it is built for
# the amd64 sanitizer kernel only)
cross=()
if foreign_arch; then
	cross=(ARCH="$K_ARCH" CROSS_COMPILE="$(cross_prefix)" SANITIZER_KDIR=/nonexistent)
fi
make -s -C "$tests/tcpmem" clean >&2
make -s -C "$tests/tcpmem" "${cross[@]}" install INSTALL_PATH="$root/tcpmem/kselftest" >&2 ||
	die "make -C $tests/tcpmem install failed"
[ -x "$root/tcpmem/kselftest/run_kselftest.sh" ] ||
	die "make -C $tests/tcpmem install made no run_kselftest.sh"

(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1))"
