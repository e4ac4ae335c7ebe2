#!/bin/bash
# mkdeb.sh: build tcpmem-dkms_<VERSION>_all.deb the Debian way
# (dpkg-buildpackage -us -uc -b with debhelper and dh-dkms, debian/) inside
# the cached bookworm chroot (scripts/chroot.sh: the build tools are installed
# there, never on the host), run lintian on it (an error fails), and check
# with dpkg-deb -c that dkms.conf and the sources are under
# /usr/src/tcpmem-<VERSION>/, and that tcpmem-exporter_<VERSION>_all.deb has
# the exporter, its man page and its units, disabled. Prints the path of the
# tcpmem-dkms .deb on its last line: .cache/deb/tcpmem-dkms_<VERSION>_all.deb
# (the other beside it). Cached: rebuilt only when the
# packaged files (git-tracked or untracked-not-ignored) change.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
suite=bookworm
d=$OUT/deb
deb=$d/tcpmem-dkms_${VERSION}_all.deb
files=(Kbuild Makefile VERSION dkms.conf module include debian tools)

# the packaged files, as a tar stream (sorted: the hash is the cache key)
sources() {
	(cd "$ROOT" && git ls-files -co --exclude-standard -z -- "${files[@]}" |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
		LC_ALL=C sort -z | tar --null -T - --mtime=@0 --owner=0 --group=0 -cf -)
}
hash=$({ sources; sha256sum <"$0"; } | sha256sum | cut -c1-16)
if [ -f "$deb" ] && [ "$(cat "$d/stamp" 2>/dev/null)" = "$hash" ]; then
	echo "mkdeb: cached (sources $hash)" >&2
	echo "$deb"
	exit 0
fi

"$ROOT/scripts/chroot.sh" create "$suite" >&2
"$ROOT/scripts/chroot.sh" install "$suite" build-essential debhelper dh-dkms dkms lintian >&2
rm -rf "$d"
mkdir -p "$d/work/tcpmem-$VERSION"
sources | tar -C "$d/work/tcpmem-$VERSION" -xmf -
log=$d/build.log
echo "mkdeb: dpkg-buildpackage -us -uc -b in the $suite chroot (log: $log)" >&2
if ! "$ROOT/scripts/chroot.sh" run "$suite" "$d/work" sh -c \
	"cd tcpmem-$VERSION && dpkg-buildpackage -us -uc -b" >"$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "dpkg-buildpackage failed (log: $log)"
fi
built=$d/work/tcpmem-dkms_${VERSION}_all.deb
[ -f "$built" ] || die "dpkg-buildpackage made no $built"

# lintian: errors fail; warnings and info are printed (and accepted in
# Documentation/install.rst)
rc=0
"$ROOT/scripts/chroot.sh" run "$suite" "$d/work" \
	lintian --display-info --fail-on error "tcpmem_${VERSION}_amd64.changes" >"$d/lintian.txt" 2>&1 || rc=$?
sed 's/^/mkdeb: lintian: /' "$d/lintian.txt" >&2
[ "$rc" -eq 0 ] || die "lintian found errors (exit $rc; $d/lintian.txt)"

# the layout DKMS expects
dpkg-deb -c "$built" >"$d/contents.txt"
for f in dkms.conf Kbuild Makefile VERSION module/main.c include/tcpmem/compat.h; do
	grep -q " \./usr/src/tcpmem-$VERSION/$f\$" "$d/contents.txt" ||
		die "$built has no /usr/src/tcpmem-$VERSION/$f (dpkg-deb -c: $d/contents.txt)"
done
mkdir -p "$d/x"
dpkg-deb -x "$built" "$d/x"
grep -qx "PACKAGE_VERSION=\"$VERSION\"" "$d/x/usr/src/tcpmem-$VERSION/dkms.conf" ||
	die "the packaged dkms.conf does not say PACKAGE_VERSION=\"$VERSION\""
rm -rf "$d/x"

# the exporter's package: the script, its man page, its units, not enabled
exp=$d/work/tcpmem-exporter_${VERSION}_all.deb
[ -f "$exp" ] || die "dpkg-buildpackage made no $exp"
dpkg-deb -c "$exp" >"$d/contents-exporter.txt"
for f in usr/sbin/tcpmem-exporter usr/share/man/man8/tcpmem-exporter.8.gz \
	lib/systemd/system/tcpmem-exporter.service lib/systemd/system/tcpmem-exporter.timer; do
	grep -q " \./$f\$" "$d/contents-exporter.txt" ||
		die "$exp has no /$f (dpkg-deb -c: $d/contents-exporter.txt)"
done
# dh_installsystemd --no-enable: the timer is enabled again on upgrade only
# where the admin had enabled it (deb-systemd-helper debian-installed ...
# was-enabled), and --no-start: nothing is started (deb-systemd-invoke)
dpkg-deb --ctrl-tarfile "$exp" | tar -xO ./postinst >"$d/postinst-exporter" 2>/dev/null || true
if ! grep -q "deb-systemd-helper debian-installed 'tcpmem-exporter.timer'" "$d/postinst-exporter" ||
	grep -qE 'deb-systemd-invoke|systemctl|dkms' "$d/postinst-exporter"; then
	die "$exp: its postinst would enable or start its units, or is not its own ($d/postinst-exporter)"
fi
mv "$exp" "$d/"
mv "$built" "$deb"
echo "$hash" >"$d/stamp"
echo "mkdeb: $deb ($(grep -c "^-" "$d/contents.txt") files; lintian: $(grep -c '^E:' "$d/lintian.txt") errors, $(grep -c '^W:' "$d/lintian.txt") warnings)" >&2
echo "$deb"
