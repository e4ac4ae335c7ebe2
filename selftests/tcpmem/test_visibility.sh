#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Who sees which netns: a reader sees its own netns, and every netns whose
# owning user namespace it has CAP_NET_ADMIN over (checked with the
# credentials /proc/tcpmem or the debugfs file was opened with).
#   - root in the initial namespaces: every netns ("netns all");
#   - root in the initial netns without CAP_NET_ADMIN: the initial netns and
#     the container's netns (the creator of a user namespace has every
#     capability in it), not a netns of the initial user namespace;
#   - a privileged container (unshare -Urn as root: CAP_NET_ADMIN in its own
#     user namespace only): its netns and a netns it made, not the initial one;
#   - the same container without CAP_NET_ADMIN: its own netns only;
#   - an unprivileged container (unshare -Urn as nobody): cannot open at all.
# Known sockets come from tcpload; each visible netns's ESTABLISHED and
# LISTEN counts are compared with `ss` run in that netns.
. "$(dirname "$0")/lib.sh"

V=/tmp/tm_wverdicts
W=/tmp/tm_w

# ss_count [NSENTER-PREFIX]: "ESTABLISHED n LISTEN n" from ss in that netns
ss_count()
{
	$1 ss -tanH | awk '$1 == "ESTAB" { e++ } $1 == "LISTEN" { l++ }
		END { print "ESTABLISHED", e + 0, "LISTEN", l + 0 }'
}

# tm_count FILE INUM: the same from a states file, for one netns
tm_count()
{
	awk -v ns="netns=$2" '$1 == ns {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
		if (r["state"] == "ESTABLISHED") e += r["sockets"]
		if (r["state"] == "LISTEN") l += r["sockets"]
	} END { print "ESTABLISHED", e + 0, "LISTEN", l + 0 }' "$1"
}

# netns_of FILE: the netns inode numbers a states file has records for
netns_of()
{
	awk '{ sub(/^netns=/, "", $1); print $1 }' "$1" | sort -un | tr '\n' ' '
}

# verdict TAG WANT GOT
verdict()
{
	if [ "$2" = "$3" ]; then
		echo "ok $1: $3" >> $V
	else
		echo "bad $1: want [$2] got [$3]" >> $V
	fi
}

# reads CAP NOCAP: /proc/tcpmem's header and debugfs states as this reader
# sees them into $W.head_CAP, $W.states_CAP, and without CAP_NET_ADMIN
# (runas -C) into $W.head_NOCAP, $W.states_NOCAP
reads()
{
	head -n 1 /proc/tcpmem > $W.head_$1
	cat $TM_DBG/states > $W.states_$1
	"$TM_DIR/runas" -C head -n 1 /proc/tcpmem > $W.head_$2
	"$TM_DIR/runas" -C cat $TM_DBG/states > $W.states_$2
}

# The container's half, run by "unshare -Urn": sockets in its netns and in
# a netns it makes, what its readers see, what ss sees; then it waits for
# the initial namespace's readers before it lets its sockets go.
if [ "${1:-}" = --container ]; then
	ip link set lo up
	"$TM_DIR/tcpload" -R -r $W.ready1 -p 21000 est:2 &
	p1=$!
	"$TM_DIR/tcpload" -R -r $W.ready2 -n -p 22000 est:1 &
	p2=$!
	i=0
	while [ ! -f $W.ready1 ] || [ ! -f $W.ready2 ]; do
		i=$((i + 1))
		[ $i -lt 300 ] || exit 1
		sleep 0.1
	done
	readlink /proc/self/ns/net | tr -dc 0-9 > $W.own
	readlink /proc/$p2/ns/net | tr -dc 0-9 > $W.nested
	reads cap nocap
	ss_count > $W.ss_own
	ss_count "nsenter -t $p2 -n" > $W.ss_nested
	touch $W.set
	i=0
	while [ ! -f $W.go ] && [ $i -lt 600 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill $p1 $p2
	wait
	exit 0
fi

: > $V
rm -f $W.*
tm_unload
tm_insmod_or_fail
init_ns=$(readlink /proc/self/ns/net | tr -dc 0-9)
tm_tcpload -R -p 20000 est:3 || echo "bad tcpload (initial netns) failed" >> $V
# a second netns of the initial user namespace
"$TM_DIR/tcpload" -R -r $W.ready0 -n -p 23000 est:1 &
p0=$!
i=0
while [ ! -f $W.ready0 ] && [ $i -lt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
plain=$(readlink /proc/$p0/ns/net | tr -dc 0-9)

unshare -Urn sh "$0" --container > $W.log 2>&1 &
cpid=$!
i=0
while [ ! -f $W.set ] && kill -0 $cpid 2>/dev/null && [ $i -lt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
if [ ! -f $W.set ]; then
	echo "bad the privileged container did not start: $(cat $W.log)" >> $V
else
	own=$(cat $W.own)
	nested=$(cat $W.nested)

	# the initial namespace's readers, while the container's sockets exist
	reads init init_nocap
	ss_count > $W.ss_init
	ss_count "nsenter -t $p0 -n" > $W.ss_plain
	touch $W.go
	wait $cpid

	verdict "root (initial netns) header" "netns all" "$(grep -o 'netns .*' $W.head_init)"
	verdict "root (initial netns) sees the initial, plain, container and nested netns" \
		"$(printf '%s\n' "$init_ns" "$plain" "$own" "$nested" | sort -n | tr '\n' ' ')" \
		"$(netns_of $W.states_init)"
	verdict "root (initial netns) initial netns = ss" "$(cat $W.ss_init)" "$(tm_count $W.states_init "$init_ns")"
	verdict "root (initial netns) plain netns = ss" "$(cat $W.ss_plain)" "$(tm_count $W.states_init "$plain")"

	verdict "initial netns without CAP_NET_ADMIN: header" "netns $init_ns+2" \
		"$(grep -o 'netns .*' $W.head_init_nocap)"
	verdict "initial netns without CAP_NET_ADMIN: its netns and those of the user namespace it created, not the plain one" \
		"$(printf '%s\n' "$init_ns" "$own" "$nested" | sort -n | tr '\n' ' ')" \
		"$(netns_of $W.states_init_nocap)"
	verdict "initial netns without CAP_NET_ADMIN: = ss" "$(cat $W.ss_init)" \
		"$(tm_count $W.states_init_nocap "$init_ns")"

	verdict "privileged container: header" "netns $own+1" "$(grep -o 'netns .*' $W.head_cap)"
	verdict "privileged container: its netns and the one it made" \
		"$(printf '%s\n%s\n' "$own" "$nested" | sort -n | tr '\n' ' ')" "$(netns_of $W.states_cap)"
	verdict "privileged container: its netns = ss" "$(cat $W.ss_own)" "$(tm_count $W.states_cap "$own")"
	verdict "privileged container: the netns it made = ss" "$(cat $W.ss_nested)" \
		"$(tm_count $W.states_cap "$nested")"

	verdict "container without CAP_NET_ADMIN: header" "netns $own" \
		"$(grep -o 'netns .*' $W.head_nocap)"
	verdict "container without CAP_NET_ADMIN: only its netns" "$own " "$(netns_of $W.states_nocap)"
	verdict "container without CAP_NET_ADMIN: = ss" "$(cat $W.ss_own)" \
		"$(tm_count $W.states_nocap "$own")"
fi
tm_tcpload_stop
kill $p0
wait $p0

# an unprivileged container: nobody's user and net namespaces
if "$TM_DIR/runas" 65534 unshare -Urn true 2>/dev/null; then
	err=$("$TM_DIR/runas" 65534 unshare -Urn cat /proc/tcpmem 2>&1 >/dev/null)
	case $err in
	*"Permission denied"*) echo "ok unprivileged container: /proc/tcpmem refused (EACCES)" >> $V ;;
	*) echo "bad unprivileged container: cat /proc/tcpmem said '$err'" >> $V ;;
	esac
else
	echo "skip unprivileged_container this kernel refuses user namespaces to nobody" >> $V
fi

tm_unload
ktap_verdicts $V
ktap_finish
