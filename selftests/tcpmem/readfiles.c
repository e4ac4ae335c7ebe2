// SPDX-License-Identifier: GPL-2.0
/*
 * readfiles OUTPREFIX FILE...: read every FILE back to back into memory
 * allocated beforehand, then write them to OUTPREFIX.1, OUTPREFIX.2, ...
 * Used to read a kernel file, tcpmem's file and the kernel file again with
 * as little activity (no fork, no page faults) as possible in between.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAXBYTES (4 << 20)

int main(int argc, char **argv)
{
	int n = argc - 2, i;
	char **buf;
	ssize_t *len;

	if (n < 1) {
		fprintf(stderr, "usage: readfiles OUTPREFIX FILE...\n");
		return 2;
	}
	buf = calloc(n, sizeof(*buf));
	len = calloc(n, sizeof(*len));
	if (!buf || !len)
		return 2;
	for (i = 0; i < n; i++) {
		buf[i] = malloc(MAXBYTES);
		if (!buf[i])
			return 2;
		memset(buf[i], 0, MAXBYTES);	/* fault the pages in now */
	}
	mlockall(MCL_CURRENT);
	for (i = 0; i < n; i++) {
		int fd = open(argv[i + 2], O_RDONLY);
		ssize_t r;

		if (fd < 0) {
			perror(argv[i + 2]);
			return 1;
		}
		while ((r = read(fd, buf[i] + len[i], MAXBYTES - len[i])) > 0)
			len[i] += r;
		close(fd);
		if (r < 0 || len[i] == MAXBYTES) {
			fprintf(stderr, "readfiles: %s: read error or too large\n", argv[i + 2]);
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		char name[4096];
		FILE *f;

		snprintf(name, sizeof(name), "%s.%d", argv[1], i + 1);
		f = fopen(name, "w");
		if (!f || fwrite(buf[i], 1, len[i], f) != (size_t)len[i] || fclose(f)) {
			perror(name);
			return 1;
		}
	}
	return 0;
}
