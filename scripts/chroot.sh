#!/bin/bash
# chroot.sh: cached debootstrap chroots of other Debian suites, so the module
# is built with the compiler (and pahole) its kernel was built with.
#
#   chroot.sh create SUITE          debootstrap $CACHE/chroot/SUITE once
#                                   (--variant=minbase) + the suite's base
#                                   packages (make, its compiler, pahole)
#   chroot.sh install SUITE PKG...  apt-get install the missing PKGs inside
#   chroot.sh run SUITE DIR CMD...  run CMD inside, as root, with the host
#                                   directory DIR bind-mounted at
#                                   /build/<basename of DIR> (the cwd)
#   chroot.sh overlay SUITE UPPER DIR CMD...
#                                   as run, in a throwaway copy of the chroot:
#                                   an overlay mount of it with upper (and
#                                   work) directories under UPPER, which the
#                                   caller deletes; the cached chroot is not
#                                   changed (scripts/dkms-check.sh)
#   chroot.sh shell SUITE           an interactive shell inside (debugging)
#
# The chroot has its own apt configuration (/etc/apt/sources.list:
# SUITE + SUITE-security; /etc/apt/apt.conf.d/99tcpmem:
# Check-Valid-Until=false, no recommends); the host's apt sources are never
# touched. Every mount (the bind mount, /proc) is made in a private mount
# namespace (unshare -m): it disappears when the command ends, however it
# ends, so nothing stays mounted under $CACHE (and `rm -rf` of it is safe).
# create/install take an exclusive lock per suite, run a shared one.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

MIRROR=http://deb.debian.org/debian

# base_packages SUITE: installed right after debootstrap
base_packages() {
	case $1 in
	# linux-headers-5.10.0-*-amd64 pulls gcc-10 too (linux-compiler-gcc-10-x86)
	# sparse: build-module.sh's C=2 pass
	bullseye) echo make gcc-10 sparse ;;
	# pahole: module BTF made by the suite's own pahole (7.2 rejects module
	# BTF it cannot read)
	sid | unstable) echo make pahole sparse ;;
	# perl: W=1 runs scripts/kernel-doc (Pod::Usage, not in minbase);
	# dwarves: pahole, for the module's BTF
	bookworm) echo make perl dwarves sparse ;;
	*) echo make sparse ;;
	esac
}

# sources_list SUITE
sources_list() {
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $1 main"
	case $1 in
	sid | unstable | experimental) ;;
	*) echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR-security $1-security main" ;;
	esac
}

usage() {
	die "usage: $0 create SUITE | install SUITE PKG... | run SUITE DIR CMD... | overlay SUITE UPPER DIR CMD... | shell SUITE"
}

# lock MODE SUITE: take the suite's lock (-x or -s) on fd 9 (held until exit)
lock() {
	mkdir -p "$CACHE/chroot"
	exec 9>"$CACHE/chroot/.$2.lock"
	flock "$1" 9
}

# refuse to rm -rf a directory with something mounted under it
not_mounted_under() {
	local d
	d=$(realpath -m "$1")
	if awk -v d="$d" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
		die "something is mounted under $d: unmount it first"
	fi
}

# inside ROOT CMD...: run CMD in the chroot ROOT (clean environment, /proc
# mounted) in a private mount namespace
inside() {
	local root=$1
	shift
	unshare --mount --propagation private -- "$0" __ns "$root" / "$@"
}

# installed ROOT PKG: is PKG installed in the chroot?
installed() {
	# shellcheck disable=SC2016 # a dpkg-query format
	chroot "$1" dpkg-query -W -f='${Status}\n' "$2" 2>/dev/null | grep -q ' installed$'
}

apt_in() {
	local root=$1
	shift
	cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	inside "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q "$@"
}

# install_pkgs ROOT PKG...: install the missing ones (apt-get update first)
install_pkgs() {
	local root=$1 p missing=()
	shift
	for p in "$@"; do
		installed "$root" "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "chroot: ${root##*/}: installing ${missing[*]}"
	apt_in "$root" update >/dev/null ||
		die "${root##*/}: apt-get update in the chroot failed"
	apt_in "$root" install -y "${missing[@]}" >"$root/.tcpmem-apt.log" 2>&1 || {
		tail -n 20 "$root/.tcpmem-apt.log" >&2
		die "${root##*/}: apt-get install ${missing[*]} in the chroot failed"
	}
	apt_in "$root" clean
}

# configure ROOT SUITE: the chroot's own apt and dpkg configuration
configure() {
	local root=$1
	sources_list "$2" >"$root/etc/apt/sources.list"
	cat >"$root/etc/apt/apt.conf.d/99tcpmem" <<-'EOF'
		// tcpmem build chroot (scripts/chroot.sh): the Release files of
		// bullseye and sid mirrors are often past their Valid-Until date
		Acquire::Check-Valid-Until "false";
		Acquire::Languages "none";
		APT::Install-Recommends "false";
		APT::Install-Suggests "false";
	EOF
	# a throwaway build root: no fsync per file (headers: ~15k files)
	echo force-unsafe-io >"$root/etc/dpkg/dpkg.cfg.d/99tcpmem"
}

create() {
	local suite=$1 root tmp t=$SECONDS
	root=$(chroot_dir "$suite")
	if [ ! -f "$root/.tcpmem-ready" ]; then
		command -v debootstrap >/dev/null || die "debootstrap not installed (run scripts/deps.sh)"
		tmp=$CACHE/chroot/.$suite.new
		not_mounted_under "$tmp"
		not_mounted_under "$root"
		rm -rf "$tmp" "$root"
		echo "chroot: debootstrap --variant=minbase $suite (log: $tmp.log)"
		if ! unshare --mount --propagation private -- \
			debootstrap --variant=minbase "$suite" "$tmp" "$MIRROR" >"$tmp.log" 2>&1; then
			tail -n 20 "$tmp.log" >&2
			die "debootstrap $suite failed (log: $tmp.log)"
		fi
		configure "$tmp" "$suite"
		# shellcheck disable=SC2046 # package names have no spaces
		install_pkgs "$tmp" $(base_packages "$suite")
		touch "$tmp/.tcpmem-ready"
		mv "$tmp" "$root"
		rm -f "$tmp.log"
		echo "chroot: $root ready in $((SECONDS - t)) s"
	else
		configure "$root" "$suite"
		# shellcheck disable=SC2046
		install_pkgs "$root" $(base_packages "$suite")
	fi
}

ready_root() {
	local root
	root=$(chroot_dir "$1")
	[ -f "$root/.tcpmem-ready" ] || die "no chroot for $1 (run $0 create $1)"
	echo "$root"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
__ns)
	# internal: in the private mount namespace made by inside()/run
	root=$1 bind=$2
	shift 2
	mount -t proc proc "$root/proc"
	mp=/
	if [ "$bind" != / ]; then
		mp=/build/${bind##*/}
		mkdir -p "$root$mp"
		mount --bind "$bind" "$root$mp"
	fi
	# shellcheck disable=SC2016 # expanded by the inner sh
	exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C TERM="${TERM:-dumb}" \
		/bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$mp" "$@"
	;;
__ovl)
	# internal: overlay ROOT with UPPER/{upper,work} at UPPER/merged (in the
	# private mount namespace made by overlay), then as __ns
	root=$1 up=$2
	shift 2
	mkdir -p "$up/upper" "$up/work" "$up/merged"
	mount -t overlay overlay -o "lowerdir=$root,upperdir=$up/upper,workdir=$up/work" "$up/merged"
	exec "$0" __ns "$up/merged" "$@"
	;;
create)
	[ $# -eq 1 ] || usage
	lock -x "$1"
	create "$1"
	;;
install)
	[ $# -ge 2 ] || usage
	lock -x "$1"
	root=$(ready_root "$1")
	configure "$root" "$1"
	install_pkgs "$root" "${@:2}"
	;;
run)
	[ $# -ge 3 ] || usage
	lock -s "$1"
	root=$(ready_root "$1")
	[ -d "$2" ] || die "no directory $2"
	dir=$(realpath "$2")
	unshare --mount --propagation private -- "$0" __ns "$root" "$dir" "${@:3}"
	;;
overlay)
	[ $# -ge 4 ] || usage
	lock -s "$1"
	root=$(ready_root "$1")
	{ [ -d "$2" ] && [ -d "$3" ]; } || die "no directory $2 or $3"
	not_mounted_under "$2"
	unshare --mount --propagation private -- "$0" __ovl "$root" "$(realpath "$2")" "$(realpath "$3")" "${@:4}"
	;;
shell)
	[ $# -eq 1 ] || usage
	lock -s "$1"
	root=$(ready_root "$1")
	inside "$root" /bin/bash -l
	;;
*) usage ;;
esac
