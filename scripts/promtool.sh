#!/bin/bash
# promtool.sh: print the path of promtool, extracted from Debian's prometheus
# package into $CACHE/promtool/<package version>/ (apt-get download +
# dpkg-deb: the package is never installed, so no Prometheus server is
# started or left on the host). scripts/test-infra.sh checks the alert rules
# and the exporter's output with it; scripts/check.sh the exporter's output
# of each VM run. Env: TCPMEM_PROMTOOL: a promtool to use instead.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
pkg=prometheus

if [ -n "${TCPMEM_PROMTOOL:-}" ]; then
	[ -x "$TCPMEM_PROMTOOL" ] || die "TCPMEM_PROMTOOL=$TCPMEM_PROMTOOL is not executable"
	echo "$TCPMEM_PROMTOOL"
	exit 0
fi
deb_extract_dir promtool "$pkg"
if [ ! -x "$dir/promtool" ]; then
	echo "promtool: extracting /usr/bin/promtool from $pkg $version" >&2
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir.tmp" ./usr/bin/promtool ||
		die "cannot extract promtool from $deb"
	mv "$dir.tmp/usr/bin/promtool" "$dir.tmp/promtool"
	rm -rf "$dir.tmp/usr"
	"$dir.tmp/promtool" --version >/dev/null 2>&1 || die "the promtool of $deb does not run"
	mv "$dir.tmp" "$dir"
fi
echo "$dir/promtool"
