// SPDX-License-Identifier: GPL-2.0
/*
 * mknetns: many network namespaces, each with one listening TCP socket.
 *
 *   mknetns N INUMFILE READYFILE
 *
 * Makes N netns (unshare(CLONE_NEWNET) each time), and in each a TCP
 * socket listening on 0.0.0.0 port 7 (no interface needs to be up). The
 * sockets keep their netns alive; no other reference is held. Writes the
 * inode number of every netns made to INUMFILE, one per line, then creates
 * READYFILE and sleeps until a signal ends it: its sockets close and the
 * kernel tears the netns down.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int listen_here(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	struct stat st;
	long n, i;
	FILE *out;
	int fd;

	n = argc == 4 ? strtol(argv[1], NULL, 10) : 0;
	if (n <= 0) {
		fprintf(stderr, "usage: mknetns N INUMFILE READYFILE\n");
		return 2;
	}
	rl.rlim_cur = n + 64;
	rl.rlim_max = n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		fprintf(stderr, "mknetns: RLIMIT_NOFILE %ld: %s\n", n + 64, strerror(errno));
		return 1;
	}
	out = fopen(argv[2], "w");
	if (!out) {
		fprintf(stderr, "mknetns: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (unshare(CLONE_NEWNET)) {
			fprintf(stderr, "mknetns: netns %ld: unshare: %s\n", i, strerror(errno));
			return 1;
		}
		if (stat("/proc/self/ns/net", &st)) {
			fprintf(stderr, "mknetns: /proc/self/ns/net: %s\n", strerror(errno));
			return 1;
		}
		if (listen_here() < 0) {
			fprintf(stderr, "mknetns: netns %ld: listen: %s\n", i, strerror(errno));
			return 1;
		}
		fprintf(out, "%lu\n", (unsigned long)st.st_ino);
	}
	if (fclose(out)) {
		fprintf(stderr, "mknetns: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		fprintf(stderr, "mknetns: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}
