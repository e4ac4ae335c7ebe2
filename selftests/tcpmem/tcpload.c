// SPDX-License-Identifier: GPL-2.0
/*
 * tcpload: hold an exact mix of loopback TCP sockets for tcpmem's tests.
 *
 *   tcpload [-r READYFILE] [-p BASEPORT] [-n] [-R] SPEC...
 *
 * SPEC is KIND:COUNT[:BYTES], KIND one of (append 6 for IPv6, e.g. est6:10):
 *   est     idle ESTABLISHED pairs (client + accepted server socket)
 *   tw      connections closed client-first: the client ends in TIME_WAIT
 *   cw      client close()s, server keeps its end: client FIN_WAIT2
 *           (a timewait minisock), server CLOSE_WAIT (its FIN skb queued)
 *   cweof   as cw, and the server reads the end of file: no skb queued
 *   cwshut  client shuts down writing, server reads the end of file, both
 *           held: client FIN_WAIT2 (a full socket), server CLOSE_WAIT;
 *           nothing is freed while they are made
 *   syn     TCP_DEFER_ACCEPT listener, clients send nothing: the server
 *           holds request socks in SYN_RECV, clients are ESTABLISHED
 *   orphan  client writes BYTES to a server that never reads (4 KB receive
 *           buffer), then close()s: an orphan in FIN_WAIT1 with unsent data
 *   unsent  client writes BYTES the server never reads; both ends held
 *   shut    as unsent, then the client shuts down writing: its FIN waits
 *           behind the unsent data, FIN_WAIT1 (not an orphan)
 *   raw     socket() only: a TCP socket in no table at all
 *   bound   socket() + bind() to a port of its own: bound, inactive
 *   listen  a listener on a port of its own, nothing connects to it
 *
 * -n: first move into a new network namespace (loopback brought up, and
 *     the port range, tcp_max_tw_buckets and tcp_tw_reuse of this one).
 * -R: on exit, close every socket with a reset (SO_LINGER 0): no TIME_WAIT.
 * -E: register every socket held in one epoll instance.
 * -S: once the netns is set up, write "set" to READYFILE.set and wait for
 *     SIGUSR1 before making any socket (to measure the sockets alone).
 * Every spec gets its own listener port(s), from BASEPORT (20000) up; one
 * listener takes at most 20000 connections. When the mix is in place,
 * "ready" is written to READYFILE (or stdout), then tcpload waits for
 * SIGTERM/SIGINT. On SIGUSR2, "family state rmem wmem_queued fwd_alloc" of
 * every socket held, from SO_MEMINFO (the kernel's sk_get_meminfo(), what
 * ss -m shows as r, w and f), is written to READYFILE.mem.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/sock_diag.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PER_LISTENER 20000

static int *held;
static long nheld, maxheld;

static void die(const char *what)
{
	fprintf(stderr, "tcpload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void hold(int fd)
{
	if (nheld == maxheld) {
		maxheld = maxheld ? 2 * maxheld : 4096;
		held = realloc(held, maxheld * sizeof(*held));
		if (!held)
			die("realloc");
	}
	held[nheld++] = fd;
}

static socklen_t addr_of(int family, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
}

static int listener(int family, int port, int defer, int rcvbuf)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, port, &ss);
	int one = 1;
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("SO_RCVBUF");
	if (defer && setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer, sizeof(defer)))
		die("TCP_DEFER_ACCEPT");
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(fd, 4096))
		die("listen");
	hold(fd);
	return fd;
}

static int client(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	return fd;
}

/* write up to @bytes without blocking; what does not fit stays unwritten */
static void fill(int fd, long bytes)
{
	static char buf[65536];

	if (fcntl(fd, F_SETFL, O_NONBLOCK))
		die("fcntl");
	while (bytes > 0) {
		ssize_t n = write(fd, buf, bytes < (long)sizeof(buf) ? bytes : (long)sizeof(buf));

		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			die("write");
		bytes -= n;
	}
}

static void run_spec(const char *kind, int family, long count, long bytes, int *port);

/*
 * TIME_WAIT lasts 60 s: make a large number of them on every CPU at once,
 * so that the first have not expired before the last exist.
 */
static void run_tw_parallel(int family, long count, int *port)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, share;
	int status, fail = 0;

	if (ncpu < 1)
		ncpu = 1;
	for (i = 0; i < ncpu; i++) {
		int p = *port + i * (count / PER_LISTENER + 1);
		pid_t pid;

		share = count / ncpu + (i < count % ncpu);
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			run_spec("tw", family, share, 0, &p);
			_exit(0);
		}
	}
	for (i = 0; i < ncpu; i++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			fail = 1;
	if (fail) {
		fprintf(stderr, "tcpload: a tw worker failed\n");
		exit(1);
	}
	*port += ncpu * (count / PER_LISTENER + 1);
}

static void run_spec(const char *kind, int family, long count, long bytes, int *port)
{
	long i;
	int lfd = -1, srv, cli;
	char c;
	int is_syn = !strcmp(kind, "syn"), is_orphan = !strcmp(kind, "orphan");

	if (!strcmp(kind, "listen")) {
		for (i = 0; i < count; i++)
			listener(family, (*port)++, 0, 0);
		return;
	}
	if (!strcmp(kind, "raw") || !strcmp(kind, "bound")) {
		for (i = 0; i < count; i++) {
			struct sockaddr_storage ss;
			socklen_t len = addr_of(family, (*port)++, &ss);

			cli = socket(family, SOCK_STREAM, 0);
			if (cli < 0)
				die("socket");
			if (kind[0] == 'b' && bind(cli, (struct sockaddr *)&ss, len))
				die("bind");
			hold(cli);
		}
		return;
	}
	for (i = 0; i < count; i++) {
		if (i % PER_LISTENER == 0)
			lfd = listener(family, (*port)++, is_syn ? 3600 : 0, is_orphan ? 4096 : 0);
		cli = client(family, *port - 1);
		if (is_syn) {
			hold(cli);
			continue;
		}
		srv = accept(lfd, NULL, NULL);
		if (srv < 0)
			die("accept");
		if (!strcmp(kind, "est")) {
			hold(cli);
			hold(srv);
		} else if (!strcmp(kind, "tw")) {
			close(cli);	/* active close: the client ends in TIME_WAIT */
			if (read(srv, &c, 1) != 0)	/* its FIN first: no simultaneous close */
				die("read");
			close(srv);
		} else if (!strcmp(kind, "cw") || !strcmp(kind, "cweof")) {
			close(cli);
			if (kind[2] == 'e' && read(srv, &c, 1) != 0)
				die("read");
			hold(srv);
		} else if (!strcmp(kind, "cwshut")) {
			if (shutdown(cli, SHUT_WR) || read(srv, &c, 1) != 0)
				die("cwshut");
			hold(cli);
			hold(srv);
		} else if (is_orphan) {
			fill(cli, bytes);
			close(cli);
			hold(srv);
		} else if (!strcmp(kind, "unsent") || !strcmp(kind, "shut")) {
			fill(cli, bytes);
			if (kind[0] == 's' && shutdown(cli, SHUT_WR))
				die("shutdown");
			hold(cli);
			hold(srv);
		} else {
			fprintf(stderr, "tcpload: unknown kind %s\n", kind);
			exit(2);
		}
	}
}

/* per-netns sysctls the tests set: a new netns starts from the defaults */
static const char *const netns_sysctls[] = {
	"/proc/sys/net/ipv4/ip_local_port_range",
	"/proc/sys/net/ipv4/tcp_max_tw_buckets",
	"/proc/sys/net/ipv4/tcp_tw_reuse",
};

/* a new network namespace with its loopback up and our sysctls copied */
static void new_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	char val[3][64] = { "", "", "" };
	unsigned int i;
	FILE *f;
	int fd;

	for (i = 0; i < 3; i++) {
		f = fopen(netns_sysctls[i], "r");
		if (!f || !fgets(val[i], sizeof(val[i]), f))
			die(netns_sysctls[i]);
		fclose(f);
	}
	if (unshare(CLONE_NEWNET))
		die("unshare(CLONE_NEWNET)");
	for (i = 0; i < 3; i++) {
		f = fopen(netns_sysctls[i], "w");
		if (!f || fputs(val[i], f) < 0 || fclose(f))
			die(netns_sysctls[i]);
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS lo");
	close(fd);
}

static volatile sig_atomic_t stop, go, dump;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		go = 1;
	else if (sig == SIGUSR2)
		dump = 1;
	else
		stop = 1;
}

/* SO_MEMINFO of every socket held, to @path.mem (renamed into place) */
static void write_meminfo(const char *path)
{
	static const char *const states[] = {
		"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV", "BOUND_INACTIVE",
	};
	char tmp[4096], name[4096];
	FILE *f;
	long j;

	snprintf(tmp, sizeof(tmp), "%s.mem.tmp", path);
	snprintf(name, sizeof(name), "%s.mem", path);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	for (j = 0; j < nheld; j++) {
		__u32 mem[SK_MEMINFO_VARS];
		struct tcp_info ti;
		struct sockaddr_storage ss;
		socklen_t ml = sizeof(mem), tl = sizeof(ti), sl = sizeof(ss);

		if (getsockopt(held[j], SOL_SOCKET, SO_MEMINFO, mem, &ml) ||
		    getsockopt(held[j], IPPROTO_TCP, TCP_INFO, &ti, &tl) ||
		    getsockname(held[j], (struct sockaddr *)&ss, &sl))
			die("SO_MEMINFO");
		fprintf(f, "%s %s %u %u %d\n", ss.ss_family == AF_INET6 ? "inet6" : "inet",
			ti.tcpi_state < sizeof(states) / sizeof(states[0]) ?
			states[ti.tcpi_state] : "?",
			mem[SK_MEMINFO_RMEM_ALLOC], mem[SK_MEMINFO_WMEM_QUEUED],
			(int)mem[SK_MEMINFO_FWD_ALLOC]);
	}
	if (fclose(f) || rename(tmp, name))
		die(name);
}

static void write_file(const char *path, const char *suffix, const char *text)
{
	char name[4096];
	FILE *f;

	snprintf(name, sizeof(name), "%s%s", path, suffix);
	f = fopen(name, "w");
	if (!f)
		die(name);
	fputs(text, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 1 << 20, 1 << 20 };
	const char *ready = NULL;
	int port = 20000, reset = 0, sync = 0, use_epoll = 0, opt, i;
	sigset_t mask, old;

	while ((opt = getopt(argc, argv, "r:p:nRSE")) != -1) {
		switch (opt) {
		case 'r':
			ready = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'n':
			new_netns();
			break;
		case 'R':
			reset = 1;
			break;
		case 'S':
			sync = 1;
			break;
		case 'E':
			use_epoll = 1;
			break;
		default:
			fprintf(stderr, "usage: tcpload [-r FILE] [-p PORT] [-n] [-R] [-S] [-E] KIND[6]:COUNT[:BYTES]...\n");
			return 2;
		}
	}
	if (setrlimit(RLIMIT_NOFILE, &rl)) {	/* else as many as allowed */
		if (getrlimit(RLIMIT_NOFILE, &rl))
			die("getrlimit");
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("setrlimit");
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (sync && ready) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGUSR1);
		sigprocmask(SIG_BLOCK, &mask, &old);
		write_file(ready, ".set", "set\n");
		while (!go && !stop)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	for (i = optind; i < argc; i++) {
		char kind[16];
		long count = 0, bytes = 0;
		int family = AF_INET;
		size_t k;

		if (sscanf(argv[i], "%15[a-z6]:%ld:%ld", kind, &count, &bytes) < 2 || count < 0) {
			fprintf(stderr, "tcpload: bad spec %s\n", argv[i]);
			return 2;
		}
		k = strlen(kind);
		if (k && kind[k - 1] == '6') {
			kind[k - 1] = '\0';
			family = AF_INET6;
		}
		if (!strcmp(kind, "tw") && count >= 1000)
			run_tw_parallel(family, count, &port);
		else
			run_spec(kind, family, count, bytes, &port);
	}
	if (use_epoll) {
		int ep = epoll_create1(0);
		long j;

		if (ep < 0)
			die("epoll_create1");
		for (j = 0; j < nheld; j++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = held[j] };

			if (epoll_ctl(ep, EPOLL_CTL_ADD, held[j], &ev))
				die("epoll_ctl");
		}
	}
	if (ready) {
		write_file(ready, "", "ready\n");
	} else {
		puts("ready");
		fflush(stdout);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	while (!stop) {
		if (dump) {
			dump = 0;
			if (ready)
				write_meminfo(ready);
			continue;
		}
		sigsuspend(&old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (reset) {
		struct linger lg = { 1, 0 };
		long j;

		for (j = 0; j < nheld; j++)
			setsockopt(held[j], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	return 0;
}
