# shellcheck shell=bash disable=SC2034
# Sourced by the scripts in scripts/: repo paths and matrix.tsv lookup.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# CACHE: what is downloaded or built from outside sources (kernel packages,
# chroots, the sanitizer kernel), shared by every checkout on this machine and
# keyed by what it was made from, so a fresh clone finds it warm.
# OUT: what is made from this checkout (module builds, initramfs, logs).
CACHE=${TCPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpmem}
OUT=$ROOT/.cache
MATRIX=$ROOT/scripts/matrix.tsv

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# matrix_names: the kernel names, in matrix order
matrix_names() {
	awk -F'\t' '!/^#/ && NF { print $1 }' "$MATRIX"
}

# load_row NAME: set K_NAME K_RELEASE K_SUITE K_IMAGE K_HEADERS K_BUILDENV
load_row() {
	local line
	line=$(awk -F'\t' -v n="$1" '!/^#/ && $1 == n' "$MATRIX")
	[ -n "$line" ] || die "unknown kernel '$1' (known: $(matrix_names | tr '\n' ' '))"
	IFS=$'\t' read -r K_NAME K_RELEASE K_SUITE K_IMAGE K_HEADERS K_BUILDENV <<<"$line"
	[ -n "$K_BUILDENV" ] || die "$MATRIX: row '$1' has fewer than 6 columns"
	check_buildenv
}

# where scripts/sanitizer-kernel.sh builds the "sanitizer" rows' kernel
SANITIZER_DIR=$CACHE/sanitizer

# chroot_dir SUITE: the cached debootstrap chroot of a Debian suite
chroot_dir() {
	echo "$CACHE/chroot/$1"
}

# check_buildenv: die unless K_BUILDENV is one scripts/build-module.sh knows
check_buildenv() {
	case $K_BUILDENV in
	host | sanitizer | chroot-?*) ;;
	*) die "$MATRIX: row '$K_NAME': unknown buildenv '$K_BUILDENV' (host, chroot-<suite> or sanitizer)" ;;
	esac
}
