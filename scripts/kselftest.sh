#!/bin/bash
# kselftest.sh: print the directory of the kernel's kselftest framework
# (tools/testing/selftests: lib.mk, run_kselftest.sh, kselftest/runner.sh,
# kselftest/ktap_helpers.sh, kselftest_harness.h, kselftest.h), extracted from
# Debian's linux-source package into $CACHE/kselftest/<package version>/.
# selftests/tcpmem/Makefile includes its lib.mk (KSFT_DIR=...). Nothing of it
# is copied into this repository; nothing is installed on the host.
# Env: TCPMEM_KSELFTEST_SOURCE: the linux-source package (default linux-source-6.12).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
pkg=${TCPMEM_KSELFTEST_SOURCE:-linux-source-6.12}

deb_extract_dir kselftest "$pkg"
ksft=$dir/tools/testing/selftests
if [ ! -f "$dir/.ready" ]; then
	echo "kselftest: extracting tools/testing/selftests from $pkg $version" >&2
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	src=${pkg#linux-source-}
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO "./usr/src/linux-source-$src.tar.xz" |
		tar -xJ -C "$dir.tmp" --strip-components=1 --wildcards \
			"linux-source-$src/tools/testing/selftests/lib.mk" \
			"linux-source-$src/tools/testing/selftests/Makefile" \
			"linux-source-$src/tools/testing/selftests/run_kselftest.sh" \
			"linux-source-$src/tools/testing/selftests/kselftest*" ||
		die "cannot extract the kselftest framework from $deb"
	for f in lib.mk run_kselftest.sh kselftest.h kselftest_harness.h \
		kselftest/runner.sh kselftest/ktap_helpers.sh; do
		[ -f "$dir.tmp/tools/testing/selftests/$f" ] || die "$pkg $version has no tools/testing/selftests/$f"
	done
	touch "$dir.tmp/.ready"
	mv "$dir.tmp" "$dir"
fi
echo "$ksft"
