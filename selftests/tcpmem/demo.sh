#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make demo: load tcpmem, hold a realistic mix of loopback connections,
# print /proc/tcpmem.
. "$(dirname "$0")/lib.sh"

echo 30000 65535 > /proc/sys/net/ipv4/ip_local_port_range
echo 262144 > /proc/sys/net/ipv4/tcp_max_tw_buckets
tm_load || { dmesg | tail -n 5; exit 1; }
tm_tcpload est:500 tw:300 || { echo "tcpload failed"; exit 1; }
echo "## held by tcpload: 500 idle ESTABLISHED pairs, 300 TIME_WAIT, 1 listener"
echo "## ss -s"
ss -s
echo "## cat /proc/tcpmem"
cat /proc/tcpmem
tm_tcpload_stop
tm_unload
