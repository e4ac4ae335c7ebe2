// SPDX-License-Identifier: GPL-2.0
/*
 * tcpload: hold an exact mix of loopback TCP sockets for tcpmem's tests.
 *
 *   tcpload [-e PAIRS] [-t TIMEWAIT] [-p BASEPORT] [-6] [-r READYFILE]
 *
 * -e: idle ESTABLISHED pairs (client + accepted server socket, no data)
 * -t: connections closed client-first, leaving the client in TIME_WAIT
 * Listeners (one per 20000 connections, at least one) stay in LISTEN.
 * When the mix is in place, "ready" is written to READYFILE (or stdout),
 * then tcpload waits for SIGTERM/SIGINT and exits, closing everything.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define PER_LISTENER 20000

static int family = AF_INET;

static void die(const char *what)
{
	fprintf(stderr, "tcpload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static socklen_t addr_of(int port, struct sockaddr_storage *ss)
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

static int listener(int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(port, &ss);
	int one = 1;
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len))
		die("bind");
	if (listen(fd, 4096))
		die("listen");
	return fd;
}

/* One connection to @lfd's port: returns the client fd, *srv = accepted fd. */
static int connect_pair(int port, int lfd, int *srv)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(port, &ss);
	int fd = socket(family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (struct sockaddr *)&ss, len))
		die("connect");
	*srv = accept(lfd, NULL, NULL);
	if (*srv < 0)
		die("accept");
	return fd;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long pairs = 0, tw = 0, i;
	int base = 20000, nl, l, opt;
	const char *ready = NULL;
	struct rlimit rl = { 1 << 20, 1 << 20 };
	int *lfd;

	while ((opt = getopt(argc, argv, "e:t:p:6r:")) != -1) {
		switch (opt) {
		case 'e':
			pairs = atol(optarg);
			break;
		case 't':
			tw = atol(optarg);
			break;
		case 'p':
			base = atoi(optarg);
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			fprintf(stderr, "usage: tcpload [-e PAIRS] [-t TIMEWAIT] [-p PORT] [-6] [-r FILE]\n");
			return 2;
		}
	}
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	nl = (pairs + tw) / PER_LISTENER + 1;
	lfd = calloc(nl, sizeof(*lfd));
	if (!lfd)
		die("calloc");
	for (l = 0; l < nl; l++)
		lfd[l] = listener(base + l);
	for (i = 0; i < pairs; i++) {
		int srv;

		l = i / PER_LISTENER;
		connect_pair(base + l, lfd[l], &srv);
	}
	for (i = 0; i < tw; i++) {
		int srv, cli;
		char c;

		l = (pairs + i) / PER_LISTENER;
		cli = connect_pair(base + l, lfd[l], &srv);
		close(cli);	/* active close: the client ends in TIME_WAIT */
		if (read(srv, &c, 1) != 0)	/* wait for its FIN: no simultaneous close */
			die("read");
		close(srv);
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f)
			die("ready file");
		fputs("ready\n", f);
		fclose(f);
	} else {
		puts("ready");
		fflush(stdout);
	}
	while (!stop)
		pause();
	return 0;
}
