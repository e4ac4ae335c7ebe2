# shellcheck shell=bash disable=SC2034
# Sourced by the scripts in scripts/: repo paths and matrix.tsv lookup.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# CACHE: what is downloaded or built from outside sources (kernel packages,
# chroots, the sanitizer kernel), shared by every checkout on this machine and
# keyed by what it was made from, so a fresh clone finds it warm.
# OUT: what is made from this checkout (module builds, initramfs, logs).
# TCPMEM_MATRIX and TCPMEM_OUT exist for scripts/test-infra.sh.
CACHE=${TCPMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpmem}
OUT=${TCPMEM_OUT:-$ROOT/.cache}
MATRIX=${TCPMEM_MATRIX:-$ROOT/scripts/matrix.tsv}
VERSION=$(cat "$ROOT/VERSION")

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# matrix_names: the kernel names, in matrix order
matrix_names() {
	awk -F'\t' '!/^#/ && NF { print $1 }' "$MATRIX"
}

# load_spec NAME: set K_NAME K_SUITE K_SERIES K_FLAVOUR K_REQUIRED K_BUILDENV
# K_ARCH from the matrix row (what it asks for, before scripts/resolve.sh);
# the 7th column, arch, is optional (amd64 when absent)
load_spec() {
	local line
	line=$(awk -F'\t' -v n="$1" '!/^#/ && $1 == n' "$MATRIX")
	[ -n "$line" ] || die "unknown kernel '$1' (known: $(matrix_names | tr '\n' ' '))"
	K_ARCH=
	IFS=$'\t' read -r K_NAME K_SUITE K_SERIES K_FLAVOUR K_REQUIRED K_BUILDENV K_ARCH <<<"$line"
	[ -n "$K_BUILDENV" ] || die "$MATRIX: row '$1' has fewer than 6 columns"
	K_ARCH=${K_ARCH:-amd64}
	check_buildenv
	case $K_ARCH in
	amd64) ;;
	arm64)
		case $K_BUILDENV in
		chroot-?*) ;;
		*) die "$MATRIX: row '$K_NAME': an arm64 row builds in a chroot-<suite> (not $K_BUILDENV)" ;;
		esac
		;;
	*) die "$MATRIX: row '$K_NAME': unknown arch '$K_ARCH' (amd64 or arm64)" ;;
	esac
}

# foreign_arch: is the loaded row's architecture another than the host's
# (amd64)? Its kernel runs in qemu-system-aarch64, its module and helpers are
# cross-built, its initramfs userland comes from Debian's arm64 packages
foreign_arch() {
	[ "$K_ARCH" != amd64 ]
}

# cross_prefix: the CROSS_COMPILE prefix of the loaded row's architecture
cross_prefix() {
	case $K_ARCH in
	arm64) echo aarch64-linux-gnu- ;;
	*) echo '' ;;
	esac
}

# resolved_file NAME: what scripts/resolve.sh found for the row
resolved_file() {
	echo "$OUT/resolved/$1.env"
}

# load_row NAME: load_spec, then K_RELEASE K_IMAGE K_HEADERS (and their
# versions K_IMAGE_VERSION K_HEADERS_VERSION) as resolved by scripts/resolve.sh
# (run now if it has not run since the matrix changed)
load_row() {
	local f
	load_spec "$1"
	f=$(resolved_file "$1")
	if [ ! -f "$f" ] || [ "$MATRIX" -nt "$f" ]; then
		"$ROOT/scripts/resolve.sh" "$1" >&2 || die "$1: cannot resolve the kernel (see above)"
	fi
	# shellcheck disable=SC1090 # written by scripts/resolve.sh
	. "$f"
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
	host | sanitizer | chroot-?* | dkms-?*) ;;
	*) die "$MATRIX: row '$K_NAME': unknown buildenv '$K_BUILDENV' (host, chroot-<suite>, dkms-<suite> or sanitizer)" ;;
	esac
}

# build_suite: the chroot suite of a chroot-/dkms- row
build_suite() {
	echo "${K_BUILDENV#*-}"
}

# bad_build_lines LOG: the lines of a kbuild log that fail a build: any
# compiler/kbuild/modpost "warning:" or "error:" (any case: modpost says
# "WARNING: modpost: ..."), except kbuild's note that the compiler differs
# from the kernel's (a gcc revision bump in sid; the only warning allowed)
bad_build_lines() {
	grep -iE 'warning:|error:' "$1" |
		grep -vE '^(\*\*\* |)[Ww]arning: the compiler differs from the one used to build the kernel$'
}

# suite_apt SUITE [ARCH]: set a (the private apt state of a Debian suite,
# $CACHE/apt/SUITE, or $CACHE/apt/SUITE@ARCH for an ARCH other than amd64;
# scripts/resolve.sh updates it), APT_URL and apt_opts
# (the options that make apt-get/apt-cache use it; the host's apt sources,
# lists and dpkg status are never read nor touched)
suite_apt() {
	local arch=${2:-amd64}
	a=$CACHE/apt/$1
	[ "$arch" = amd64 ] || a=$a@$arch
	APT_URL=http://deb.debian.org/debian
	case $1 in *-security) APT_URL=$APT_URL-security ;; esac
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $APT_URL $1 main" >"$a/sources.list"
	# APT::Sandbox::User=root: the _apt user cannot write into $CACHE (under /root)
	apt_opts=(-q -o APT::Sandbox::User=root
		-o Dir::Etc::SourceList="$a/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$a/lists" -o Dir::Cache="$a/cache"
		-o Dir::State::Status=/dev/null -o Acquire::Check-Valid-Until=false
		-o Acquire::Languages=none)
	[ "$arch" = amd64 ] || apt_opts+=(-o APT::Architecture="$arch" -o APT::Architectures="$arch")
}

# suite_apt_update: apt-get update the private apt state suite_apt set (a,
# apt_opts), unless it was updated less than TCPMEM_APT_MAX_AGE seconds
# (default 3600) ago; 0 when its lists are usable (an old list when the
# update failed), 1 when it has none
suite_apt_update() {
	local stamp age
	{
		flock 9
		stamp=$a/updated
		age=$(($(date +%s) - $(stat -c %Y "$stamp" 2>/dev/null || echo 0)))
		if [ "$age" -gt "${TCPMEM_APT_MAX_AGE:-3600}" ]; then
			if apt-get "${apt_opts[@]}" update >"$a/update.log" 2>&1 &&
				! grep -qE '^(E|W): ' "$a/update.log"; then
				touch "$stamp"
			elif [ -f "$stamp" ]; then
				echo "${0##*/}: apt-get update of ${a##*/} failed; using the lists of $(date -r "$stamp" -u '+%F %H:%M UTC')" >&2
			else
				sed -n 's/^[EW]: //p' "$a/update.log" | head -n 3 >&2
				rm -rf "$a"
				return 1
			fi
		fi
	} 9>"$a.lock"
}

# cached_deb PKG: the path of the newest $CACHE/debs/PKG_*.deb, downloaded
# first with the host's apt if there is none (apt-get download: nothing is
# installed). The caller holds its own lock.
cached_deb() {
	local debs restore
	restore=$(shopt -p nullglob)
	shopt -s nullglob
	mkdir -p "$CACHE/debs"
	debs=("$CACHE/debs/${1}_"*.deb)
	if [ ${#debs[@]} -eq 0 ]; then
		echo "${0##*/}: downloading $1" >&2
		# -o APT::Sandbox::User=root: the _apt user may not write into $CACHE
		(cd "$CACHE/debs" && apt-get -q -o APT::Sandbox::User=root download "$1" >&2) ||
			die "apt-get download $1 failed"
		debs=("$CACHE/debs/${1}_"*.deb)
	fi
	eval "$restore"
	[ ${#debs[@]} -gt 0 ] || die "apt-get download $1 left no $CACHE/debs/${1}_*.deb"
	printf '%s\n' "${debs[@]}" | sort -V | tail -n 1
}

# deb_extract_dir SUBDIR PKG: lock $CACHE/SUBDIR (fd 9, held until the
# caller exits), then set deb (cached_deb PKG: the newest one, if several
# versions were downloaded over time), version (its Version) and dir
# ($CACHE/SUBDIR/<version>, where the caller extracts what it needs)
deb_extract_dir() {
	mkdir -p "$CACHE/$1"
	exec 9>"$CACHE/$1/.lock"
	flock 9
	deb=$(cached_deb "$2")
	version=$(dpkg-deb -f "$deb" Version)
	dir=$CACHE/$1/$version
}

# kbuild_modules DIR: `make modules` (W=1, C=2: sparse) of the module sources
# in DIR for the loaded row's kernel, in the row's build environment
# (scripts/buildenv.sh must have prepared it); make's status. A chroot sees
# DIR at /build/<basename of DIR>.
kbuild_modules() {
	case $K_BUILDENV in
	host)
		make -C "/usr/src/linux-headers-$K_RELEASE" M="$1" W=1 C=2 -j"$(nproc)" modules
		;;
	chroot-* | dkms-*)
		# the suite's compiler and pahole
		"$ROOT/scripts/chroot.sh" run "$(build_suite)" "$1" \
			make -C "/usr/src/linux-headers-$K_RELEASE" M="/build/${1##*/}" W=1 C=2 \
			-j"$(nproc)" modules
		;;
	sanitizer)
		# our own kernel tree, made by scripts/fetch-kernel.sh; no
		# jobserver/flags of an outer make (e.g. `make check`)
		(unset MAKEFLAGS MFLAGS MAKELEVEL
			make -C "$SANITIZER_DIR/build" M="$1" W=1 C=2 -j"$(nproc)" modules)
		;;
	esac
}
