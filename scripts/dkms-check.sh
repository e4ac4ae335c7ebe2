#!/bin/bash
# dkms-check.sh NAME: the module of a dkms-<suite> matrix row, built by DKMS
# the way a Debian user gets it: tcpmem-dkms_<VERSION>_all.deb
# (scripts/mkdeb.sh) is installed with apt into a throwaway overlay of the
# suite's build chroot (chroot.sh overlay: a clean copy in which tcpmem was
# never installed, with the rows' linux-headers), whose postinst has DKMS
# build and install tcpmem for every kernel there. Checks that `dkms status`
# says "installed" for the release of every dkms row of this run
# (TCPMEM_KERNELS, set by scripts/check.sh; default: NAME), that the build
# log has no warning, and that the module's vermagic is the release; then
# puts the module DKMS built at .cache/build/<release>/tcpmem.ko, the one
# scripts/mkinitramfs.sh packs. Cached in .cache/dkms/<key>/, key = the .deb,
# the releases and this script: a source change reruns DKMS.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_row "$1"
case $K_BUILDENV in dkms-*) ;; *) die "$K_NAME: buildenv $K_BUILDENV is not dkms-<suite>" ;; esac
suite=$(build_suite)
name=$K_NAME release=$K_RELEASE

# the releases of this run's dkms rows of the same suite, headers installed
releases=()
for n in ${TCPMEM_KERNELS:-$name}; do
	load_row "$n"
	[ "$K_BUILDENV" = "dkms-$suite" ] || continue
	"$ROOT/scripts/buildenv.sh" "$n" >&2
	releases+=("$K_RELEASE")
done
# shellcheck disable=SC2207 # releases have no spaces
releases=($(printf '%s\n' "$release" "${releases[@]}" | sort -u))

deb=$("$ROOT/scripts/mkdeb.sh" | tail -n 1)
key=$({ sha256sum <"$deb"; sha256sum <"$0"; echo "$suite ${releases[*]}"; } | sha256sum | cut -c1-16)
res=$OUT/dkms/$key
if [ ! -f "$res/done" ]; then
	rm -rf "$OUT/dkms"
	mkdir -p "$res/bind" "$res/ovl"
	cp "$deb" "$res/bind/"
	echo "dkms-check: apt-get install ./${deb##*/} in an overlay of the $suite chroot (${releases[*]}; log: $res/install.log)"
	# shellcheck disable=SC2016 # expanded inside the chroot
	script='
		set -eu
		export DEBIAN_FRONTEND=noninteractive
		apt-get -q install -y "$(pwd)/$1"
		shift
		echo "### dkms status"
		dkms status tcpmem | tee dkms-status
		for rel; do
			mkdir -p "$rel"
			cp /var/lib/dkms/tcpmem/'"$VERSION"'/"$rel"/x86_64/log/make.log "$rel/" || true
			ko=$(ls /lib/modules/"$rel"/updates/dkms/tcpmem.ko* 2>/dev/null | head -n 1)
			[ -n "$ko" ] || { echo "no /lib/modules/$rel/updates/dkms/tcpmem.ko*"; exit 1; }
			case $ko in
			*.xz) xz -dc "$ko" >"$rel/tcpmem.ko" ;;
			*.zst) zstd -qdc "$ko" >"$rel/tcpmem.ko" ;;
			*) cp "$ko" "$rel/tcpmem.ko" ;;
			esac
		done'
	rc=0
	t=$SECONDS
	"$ROOT/scripts/chroot.sh" overlay "$suite" "$res/ovl" "$res/bind" \
		sh -c "$script" sh "${deb##*/}" "${releases[@]}" >"$res/install.log" 2>&1 || rc=$?
	rm -rf "$res/ovl"
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$res/install.log" >&2
		die "installing the .deb / the DKMS build failed (log: $res/install.log)"
	fi
	sed -n 's/^\(Building for \|Building initial module for\|Sign command\|Error\)/dkms-check: &/p' "$res/install.log"
	for rel in "${releases[@]}"; do
		grep -F "tcpmem/$VERSION, $rel, " "$res/bind/dkms-status" | grep -q ': installed$' ||
			die "dkms status does not say tcpmem/$VERSION, $rel: installed (log: $res/install.log)"
		if bad_build_lines "$res/bind/$rel/make.log"; then
			die "the DKMS build for $rel has warnings/errors (above; $res/bind/$rel/make.log)"
		fi
		vm=$(modinfo -F vermagic "$res/bind/$rel/tcpmem.ko")
		[ "${vm%% *}" = "$rel" ] || die "the DKMS-built module for $rel has vermagic '$vm'"
	done
	echo "dkms-check: $((SECONDS - t)) s"
	touch "$res/done"
else
	echo "dkms-check: cached DKMS build (${deb##*/}, ${releases[*]}: $res)"
fi
sed 's/^/dkms-check: dkms status: /' "$res/bind/dkms-status"
mkdir -p "$OUT/build/$release"
cp "$res/bind/$release/tcpmem.ko" "$OUT/build/$release/tcpmem.ko"
echo "dkms-check: $name: $OUT/build/$release/tcpmem.ko is the module DKMS built ($(sha256sum <"$OUT/build/$release/tcpmem.ko" | cut -c1-12), vermagic $(modinfo -F vermagic "$OUT/build/$release/tcpmem.ko" | cut -d' ' -f1))"
