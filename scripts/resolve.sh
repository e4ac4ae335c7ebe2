#!/bin/bash
# resolve.sh NAME: find the newest kernel of the matrix row's series in its
# suite, as the archive has it now, and write $OUT/resolved/NAME.env
# (K_RELEASE, K_IMAGE, K_HEADERS and their versions). Looks in a private apt
# state per suite ($CACHE/apt/<suite>; the host's apt is never touched),
# refreshed when older than TCPMEM_APT_MAX_AGE seconds (default 3600).
# sanitizer rows: the newest linux-source-<series> (K_RELEASE is then
# <name>, only a cache key; the kernel's uname -r is $CACHE/sanitizer/release).
# Exit 0 resolved; 2 (with "SKIP: reason" on stdout and in
# $OUT/resolved/NAME.skip) when the suite or the series is not in the archive.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 1 ] || die "usage: $0 NAME"
load_spec "$1"
mkdir -p "$OUT/resolved"
env=$(resolved_file "$K_NAME")
skipf=$OUT/resolved/$K_NAME.skip
rm -f "$env" "$skipf"

skip() {
	echo "$*" >"$skipf"
	echo "SKIP: $K_NAME: $*"
	exit 2
}

suite_apt "$K_SUITE" "$K_ARCH"
suite_apt_update || skip "suite $K_SUITE is not in the archive ($APT_URL, $K_ARCH): apt-get update failed"

# version PKG: the candidate version of PKG in the suite, or nothing
version() {
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1 || true
}

if [ "$K_BUILDENV" = sanitizer ]; then
	pkg=linux-source-$K_SERIES
	v=$(version "$pkg")
	[ -n "$v" ] || skip "$pkg is not in $K_SUITE"
	cat >"$env" <<-EOT
		K_RELEASE=$K_NAME
		K_IMAGE=$pkg
		K_IMAGE_VERSION=$v
		K_HEADERS=-
		K_HEADERS_VERSION=-
	EOT
	echo "resolve: $K_NAME: $pkg $v ($K_SUITE)"
	exit 0
fi

# the releases of the series and flavour, newest first: 6.12 + amd64 matches
# 6.12.117+deb12-amd64 and 6.12.0-3-amd64, not 6.12.117+deb12-rt-amd64
series=${K_SERIES//./\\.}
[ "$K_SERIES" != '*' ] || series='[0-9]+\.[0-9]+'
re="^linux-headers-(${series}\.[0-9]+(\+deb[0-9]+)?(-[0-9]+)?-${K_FLAVOUR//./\\.})\$"
releases=$(apt-cache "${apt_opts[@]}" pkgnames linux-headers- | sed -nE "s/$re/\1/p" | sort -rV)
[ -n "$releases" ] || skip "no linux-headers-<$K_SERIES.*-$K_FLAVOUR> in $K_SUITE (series not in the archive)"
for rel in $releases; do
	# the package holding the kernel image (on sid since 7.x:
	# linux-binary-unsigned-*; linux-image-* there is only a metapackage)
	for img in "linux-image-$rel-unsigned" "linux-binary-unsigned-$rel"; do
		iv=$(version "$img")
		[ -n "$iv" ] || continue
		hv=$(version "linux-headers-$rel")
		cat >"$env" <<-EOT
			K_RELEASE=$rel
			K_IMAGE=$img
			K_IMAGE_VERSION=$iv
			K_HEADERS=linux-headers-$rel
			K_HEADERS_VERSION=$hv
		EOT
		echo "resolve: $K_NAME: $rel: $img $iv, linux-headers-$rel $hv ($K_SUITE)"
		exit 0
	done
	echo "resolve: $K_NAME: $rel has headers but no unsigned image package in $K_SUITE; trying an older one" >&2
done
skip "no unsigned image package for $(echo "$releases" | tr '\n' ' ')in $K_SUITE"
