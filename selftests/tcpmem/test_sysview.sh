#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module reads BTF and the slab aliases from a sysfs of its own, not
# through the caller's root and mount namespace: a tmpfs with spoofed links
# over /sys/kernel/slab (unshare -m), BTF hidden the same way at insmod, and
# a chroot without /sys change neither the load nor the aliases. The truth
# is the real /sys/kernel/slab, read here in the initial mount namespace.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_vverdicts
: > $V
tm_unload

# aliases FILE: "type cache aliases" of every present cache in a caches file
aliases()
{
	awk '!/present=0/ {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
		print r["type"], r["cache"], r["aliases"]
	}' "$1"
}

# truth FILE: the same, the aliases computed from the links in /sys/kernel/slab
truth()
{
	for l in /sys/kernel/slab/*; do
		[ -L "$l" ] && echo "${l##*/} $(readlink "$l")"
	done > /tmp/tm_vlinks
	aliases "$1" | awk '
	FILENAME == ARGV[1] { tgt[$1] = $2; next }	# (FNR == NR fails on an empty file: no merging)
	{
		n = 0; list = ""
		if ($2 in tgt)
			for (l in tgt)
				if (l != $2 && tgt[l] == tgt[$2]) names[++n] = l
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (names[j] < names[i]) { x = names[i]; names[i] = names[j]; names[j] = x }
		for (i = 1; i <= n; i++) list = list (i > 1 ? "," : "") names[i]
		print $1, $2, (list == "" ? "-" : list)
	}' /tmp/tm_vlinks -
}

# same TAG FILE: FILE's aliases are the truth
same()
{
	aliases "$2" > /tmp/tm_vgot
	if [ ! -s /tmp/tm_vgot ]; then
		echo "bad $1: no caches read" >> $V
	elif cmp -s /tmp/tm_vtruth /tmp/tm_vgot; then
		echo "ok $1: aliases of $(wc -l < /tmp/tm_vgot) caches = /sys/kernel/slab" >> $V
	else
		echo "bad $1: aliases differ from /sys/kernel/slab" >> $V
		diff /tmp/tm_vtruth /tmp/tm_vgot | sed 's/^/# /' >> $V
	fi
}

# run in "unshare -m": a tmpfs over /sys/kernel/slab whose links say every
# tracked cache is merged into one, ":spoof", with a made-up alias
spoof='mount --make-rprivate / && mount -t tmpfs tmpfs /sys/kernel/slab || exit 3
	mkdir /sys/kernel/slab/:spoof
	ln -s :spoof /sys/kernel/slab/spoofed_alias
	for c in $(cat /tmp/tm_vnames); do ln -s :spoof /sys/kernel/slab/$c; done
	echo "in the namespace: /sys/kernel/slab/spoofed_alias -> $(readlink /sys/kernel/slab/spoofed_alias)" >&2
'

tm_insmod_or_fail
cat $TM_DBG/caches > /tmp/tm_vc0
truth /tmp/tm_vc0 > /tmp/tm_vtruth
awk '{ print $2 }' /tmp/tm_vtruth | sort -u > /tmp/tm_vnames
same "initial namespace" /tmp/tm_vc0

# 1. a reader in a mount namespace with the spoofed /sys/kernel/slab
unshare -m sh -c "$spoof
	cat $TM_DBG/caches" > /tmp/tm_vc1 2> /tmp/tm_verr
if grep -q -- '-> :spoof$' /tmp/tm_verr; then
	same "reader under a spoofed /sys/kernel/slab (unshare -m, tmpfs)" /tmp/tm_vc1
else
	echo "bad the spoofed /sys/kernel/slab was not in place: $(cat /tmp/tm_verr)" >> $V
fi

# 2. insmod in such a namespace, with /sys/kernel/btf hidden under a tmpfs too
tm_unload
unshare -m sh -c "$spoof
	mount -t tmpfs tmpfs /sys/kernel/btf || exit 3
	[ ! -e /sys/kernel/btf/vmlinux ] || exit 3
	insmod $TCPMEM_KO || exit 4
	cat $TM_DBG/caches" > /tmp/tm_vc2 2> /tmp/tm_verr
rc=$?
case $rc in
0) same "insmod with /sys/kernel/btf and /sys/kernel/slab hidden (unshare -m)" /tmp/tm_vc2 ;;
4) echo "bad insmod with /sys/kernel/btf hidden failed: $(dmesg | grep tcpmem | tail -n 1)" >> $V ;;
*) echo "bad could not hide /sys/kernel/btf and /sys/kernel/slab (rc $rc): $(cat /tmp/tm_verr)" >> $V ;;
esac
tm_unload

# 3. insmod and a reader in a chroot without /sys (and a /proc of its own)
C=/tmp/tm_chroot
rm -rf $C
mkdir -p $C/bin $C/proc $C/dbg
cp /bin/busybox $C/bin/busybox
cp "$TCPMEM_KO" $C/tcpmem.ko
unshare -m chroot $C /bin/busybox sh -c '
	B=/bin/busybox
	$B test ! -e /sys || exit 3
	$B insmod /tcpmem.ko || exit 4
	$B mount -t proc proc /proc && $B mount -t debugfs debugfs /dbg || exit 3
	$B head -n 1 /proc/tcpmem >&2
	$B cat /dbg/tcpmem/caches' > /tmp/tm_vc3 2> /tmp/tm_verr
rc=$?
case $rc in
0)
	same "insmod and reader in a chroot without /sys" /tmp/tm_vc3
	if grep -q '^tcpmem ' /tmp/tm_verr; then
		echo "ok /proc/tcpmem read in the chroot: $(grep '^tcpmem ' /tmp/tm_verr)" >> $V
	else
		echo "bad /proc/tcpmem not read in the chroot: $(cat /tmp/tm_verr)" >> $V
	fi
	;;
4) echo "bad insmod in a chroot without /sys failed: $(dmesg | grep tcpmem | tail -n 1)" >> $V ;;
*) echo "bad chroot set-up failed (rc $rc): $(cat /tmp/tm_verr)" >> $V ;;
esac
tm_unload
rm -rf $C

ktap_verdicts $V
ktap_finish
