#!/bin/bash
# sanitizer-kernel.sh OUTDIR: build (or reuse) a 6.12 kernel with KASAN
# (generic, inline), lockdep (PROVE_LOCKING, PROVE_RCU), DEBUG_ATOMIC_SLEEP
# and kmemleak, from Debian's linux-source-6.12: `make tinyconfig` +
# scripts/sanitizer.config + `make olddefconfig`. Writes
#   OUTDIR/vmlinuz   the bzImage
#   OUTDIR/build/    the kernel tree after `make modules_prepare modules`:
#                    `make -C OUTDIR/build M=<dir> modules` builds a module
#   OUTDIR/release   `make -s kernelrelease`
#   OUTDIR/build.log the full build output (its tail is printed on failure)
# Cached: nothing is done when OUTDIR/stamp holds the hash of this script, the
# fragment and the linux-source-6.12 version. A changed recipe rebuilds
# incrementally in the same tree (a new linux-source version: from scratch).
# A cold build takes ~17 CPU-minutes (8-9 min on 2 idle cores) and 3 GB of disk.
set -euo pipefail
me=$(readlink -f "${BASH_SOURCE[0]}")
fragment=$(dirname "$me")/sanitizer.config
src_pkg=linux-source-6.12
tarball=/usr/src/$src_pkg.tar.xz

say() { echo "sanitizer-kernel: $*"; }
die() {
	echo "sanitizer-kernel: $*" >&2
	exit 1
}
[ $# -eq 1 ] || die "usage: $0 OUTDIR"
[ -f "$fragment" ] || die "no $fragment"
mkdir -p "$1"
out=$(cd "$1" && pwd)
tree=$out/build
log=$out/build.log
stamp=$out/stamp

# A make run from a Makefile (e.g. `make check`) must not leak its flags or
# jobserver into the kernel build.
unset MAKEFLAGS MFLAGS MAKELEVEL

recipe_hash() {
	{
		sha256sum <"$me"
		sha256sum <"$fragment"
		dpkg-query -W -f='${Version}\n' "$src_pkg" 2>/dev/null || echo none
	} | sha256sum | cut -c1-16
}

cached() {
	[ -s "$out/vmlinuz" ] && [ -s "$out/release" ] && [ -f "$tree/Module.symvers" ] &&
		[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(recipe_hash)" ]
}

# One build per OUTDIR at a time; the second caller waits, then finds the cache.
exec 9>"$out/.lock"
flock 9
if cached; then
	say "cached: $(cat "$out/release") in $out"
	exit 0
fi

# run WHAT CMD...: CMD's output goes to the log; on failure print its tail.
run() {
	local what=$1 t0=$SECONDS rc=0
	shift
	echo "### $what: $*" >>"$log"
	"$@" >>"$log" 2>&1 </dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log" | sed 's/^/  | /' >&2
		die "$what failed (exit $rc; full log: $log)"
	fi
	say "$what ($((SECONDS - t0)) s)"
}

: >"$log"

# --- build dependencies (apt only if something is missing)
missing=
for p in "$src_pkg" flex bison bc libelf-dev libssl-dev build-essential cpio kmod xz-utils; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || missing="$missing $p"
done
# bookworm's dwarves is a transitional package for pahole
if ! dpkg-query -W -f='${Status}\n' pahole 2>/dev/null | grep -q ' installed$'; then
	missing="$missing dwarves"
fi
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "need root to install:$missing"
	export DEBIAN_FRONTEND=noninteractive
	run "apt-get update" apt-get update -q
	# shellcheck disable=SC2086
	run "apt-get install$missing" apt-get install -y -q --no-install-recommends $missing
fi
[ -f "$tarball" ] || die "no $tarball (is $src_pkg installed?)"
src_version=$(dpkg-query -W -f='${Version}' "$src_pkg")
hash=$(recipe_hash)
say "$src_pkg $src_version, recipe $hash: building in $tree (log: $log)"
rm -f "$stamp"

# --- source tree: reused if it is from the same linux-source version
if [ ! -f "$tree/.tcpmem-source" ] || [ "$(cat "$tree/.tcpmem-source")" != "$src_version" ]; then
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	run "extract $tarball" tar -C "$tree.tmp" --strip-components=1 -xf "$tarball"
	echo "$src_version" >"$tree.tmp/.tcpmem-source"
	mv "$tree.tmp" "$tree"
else
	say "reusing the source tree (incremental build)"
fi

# --- config
kmake() { make -C "$tree" "$@"; }
# ARCH=x86_64: tinyconfig must start 64-bit (with the default ARCH=x86 it
# starts 32-bit and keeps 32-bit values such as FRAME_WARN=1024). The build
# itself uses the default ARCH, like `make -C OUTDIR/build M=...` will.
run "make tinyconfig" kmake ARCH=x86_64 tinyconfig
run "merge $(basename "$fragment")" \
	"$tree/scripts/kconfig/merge_config.sh" -m -O "$tree" "$tree/.config" "$fragment"
run "make olddefconfig" kmake olddefconfig

# every line of the fragment must be in .config exactly as asked
bad=0 n=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		n=$((n + 1))
		if ! grep -qxF -- "$line" "$tree/.config"; then
			got=$(grep -E "^(# )?${line%%=*}[= ]" "$tree/.config" || echo "${line%%=*} absent")
			echo "  asked $line, got: $got" >&2
			bad=$((bad + 1))
		fi
		;;
	"# CONFIG_"*" is not set")
		n=$((n + 1))
		sym=${line#\# }
		sym=${sym%% *}
		if grep -q "^$sym=" "$tree/.config"; then
			echo "  asked $line, got: $(grep "^$sym=" "$tree/.config")" >&2
			bad=$((bad + 1))
		fi
		;;
	esac
done <"$fragment"
[ "$bad" -eq 0 ] || die "$bad of $n options in $fragment did not survive olddefconfig (dependencies?)"
say "config: all $n options of $(basename "$fragment") set"

# --- build
jobs=$(nproc)
run "make bzImage" kmake -j"$jobs" bzImage
run "make modules" kmake -j"$jobs" modules
run "make modules_prepare" kmake -j"$jobs" modules_prepare
[ -f "$tree/Module.symvers" ] || die "no $tree/Module.symvers after make modules"
[ -f "$tree/vmlinux" ] || die "no $tree/vmlinux (needed for module BTF)"

release=$(make -s -C "$tree" kernelrelease)
[ -n "$release" ] || die "empty kernelrelease"
cp "$tree/arch/x86/boot/bzImage" "$out/vmlinuz.tmp"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$release" >"$out/release"
echo "$hash" >"$stamp"
say "done: $release, $out/vmlinuz ($(du -h "$out/vmlinuz" | cut -f1))"
