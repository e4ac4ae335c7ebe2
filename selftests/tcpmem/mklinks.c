// SPDX-License-Identifier: GPL-2.0
/*
 * mklinks: many dentries, then holes in their slabs.
 *
 *   mklinks DIR N [NEG NEGDIR]
 *
 * Makes DIR/f and N hard links to it (DIR/0 .. DIR/N-1: one dentry each,
 * one inode in all), then unlinks one of every two of them, and two of
 * every three in the middle third, so that their slabs are left partly
 * free, unevenly along the partial list. Unlinked names stay as negative
 * dentries until the dcache is shrunk (drop_caches).
 *
 * With NEG: N dentries in all, faster (make bench's million partial
 * slabs): after each hard link, NEG lookups of names that do not exist in
 * NEGDIR (a negative dentry each, no inode work; NEGDIR on a filesystem
 * that keeps negative dentries, e.g. sysfs: tmpfs frees them at once),
 * nothing unlinked. The dentries of one CPU fill one slab after the other,
 * so with NEG + 1 well below the objects per slab every slab keeps a hard
 * link when drop_caches frees the negative ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "mklinks: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int negative(const char *dir, long n, long neg, const char *negdir)
{
	char name[64];
	struct stat st;
	long i, j;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int nfd = open(negdir, O_RDONLY | O_DIRECTORY);

	if (dfd < 0 || nfd < 0)
		die(dir);
	for (i = 0; i < n; i += neg + 1) {
		snprintf(name, sizeof(name), "%lx", i);
		if (linkat(dfd, "f", dfd, name, 0))
			die(name);
		for (j = 1; j <= neg; j++) {
			snprintf(name, sizeof(name), "tm_n%d_%lx", (int)getpid(), i + j);
			if (!fstatat(nfd, name, &st, AT_SYMLINK_NOFOLLOW) || errno != ENOENT)
				die(name);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096], name[4096];
	long n, i;
	int fd;

	if (argc != 3 && argc != 5)
		return fprintf(stderr, "usage: mklinks DIR N [NEG NEGDIR]\n"), 2;
	n = atol(argv[2]);
	snprintf(path, sizeof(path), "%s/f", argv[1]);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		die(path);
	close(fd);
	if (argc == 5)
		return negative(argv[1], n, atol(argv[3]), argv[4]);
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
