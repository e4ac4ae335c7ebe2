// SPDX-License-Identifier: GPL-2.0
/*
 * mklinks: many dentries, then holes in their slabs.
 *
 *   mklinks DIR N
 *
 * Makes DIR/f and N hard links to it (DIR/0 .. DIR/N-1: one dentry each,
 * one inode in all), then unlinks one of every two of them, and two of
 * every three in the middle third, so that their slabs are left partly
 * free, unevenly along the partial list. Unlinked names stay as negative
 * dentries until the dcache is shrunk (drop_caches).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "mklinks: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	char path[4096], name[4096];
	long n, i;
	int fd;

	if (argc != 3)
		return fprintf(stderr, "usage: mklinks DIR N\n"), 2;
	n = atol(argv[2]);
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		die(path);
	close(fd);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/%ld", argv[1], i);
		if (link(path, name))
			die(name);
	}
	for (i = 0; i < n; i++) {
		int mid = i > n / 3 && i < 2 * n / 3;

		if (mid ? i % 3 == 0 : i % 2 == 0)
			continue;
		snprintf(name, sizeof(name), "%s/%ld", argv[1], i);
		if (unlink(name))
			die(name);
	}
	return 0;
}
