// SPDX-License-Identifier: GPL-2.0
/*
 * rtt: loopback TCP round-trip latency, for make bench.
 *
 *   rtt N
 *
 * A child echoes 1-byte messages on a loopback TCP connection (TCP_NODELAY
 * on both ends); the parent sends one, waits for the echo, N times (after
 * N/10 unmeasured warm-up rounds), and prints the percentiles of the round
 * trips in microseconds: "n=N p50=.. p99=.. p999=.. max=..".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "rtt: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("TCP_NODELAY");
}

/* the k-th per mille of n sorted values (nearest rank) */
static long permille(const long *v, long n, long k)
{
	long i = (n * k + 999) / 1000;

	return v[i > 0 ? i - 1 : 0];
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	struct timespec t0, t1;
	long n, warm, i, *us;
	int lfd, fd, srv;
	pid_t pid;
	char c = 'x';

	if (argc != 2 || (n = atol(argv[1])) < 1)
		return fprintf(stderr, "usage: rtt N\n"), 2;
	warm = n / 10;
	us = calloc(n, sizeof(*us));
	if (!us)
		die("calloc");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&a, &len))
		die("listener");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		srv = accept(lfd, NULL, NULL);
		if (srv < 0)
			die("accept");
		nodelay(srv);
		while (read(srv, &c, 1) == 1)
			if (write(srv, &c, 1) != 1)
				die("echo");
		_exit(0);
	}
	close(lfd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	nodelay(fd);
	for (i = -warm; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (write(fd, &c, 1) != 1 || read(fd, &c, 1) != 1)
			die("ping");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (i >= 0)
			us[i] = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	}
	close(fd);
	waitpid(pid, NULL, 0);
	qsort(us, n, sizeof(*us), cmp_long);
	printf("n=%ld p50=%ld p99=%ld p999=%ld max=%ld\n", n, permille(us, n, 500),
	       permille(us, n, 990), permille(us, n, 999), us[n - 1]);
	return 0;
}
