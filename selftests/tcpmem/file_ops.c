// SPDX-License-Identifier: GPL-2.0
/*
 * file_ops: what a reader can do to the tcpmem files, under the kernel's
 * kselftest harness. For every file (/proc/tcpmem and each debugfs file):
 * reads never return more than asked and end in EOF, with text (if any: a
 * file of records is empty when there is nothing to list) that ends in a
 * newline and holds no NUL; a read at a huge offset and a read after lseek
 * past the end return nothing; a negative offset is refused; no file takes a
 * write. For the layout file, whose content is the same on every open, 1-byte
 * reads and preads at random offsets give exactly the bytes of one whole read.
 * The module is loaded from $TCPMEM_KO if it is not loaded yet, and unloaded
 * again afterwards.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"

#define TM_PROC		"/proc/tcpmem"
#define TM_DBG		"/sys/kernel/debug/tcpmem"
#define TM_MAX_FILES	64
#define TM_BUF		(16 << 20)

FIXTURE(tcpmem) {
	int loaded_here;
	int nfiles;
	char files[TM_MAX_FILES][sizeof(TM_DBG) + 256];
	char *buf;
	char *other;
};

FIXTURE_SETUP(tcpmem)
{
	const char *ko = getenv("TCPMEM_KO");
	struct dirent *de;
	DIR *d;
	int fd;

	self->loaded_here = 0;
	if (access(TM_PROC, F_OK) != 0) {
		if (!ko)
			ko = "/tcpmem/tcpmem.ko";
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("open %s: %s", ko, strerror(errno));
		ASSERT_EQ(0, syscall(SYS_finit_module, fd, "", 0))
			TH_LOG("insmod %s: %s", ko, strerror(errno));
		close(fd);
		self->loaded_here = 1;
	}
	self->nfiles = 0;
	strcpy(self->files[self->nfiles++], TM_PROC);
	d = opendir(TM_DBG);
	ASSERT_NE(NULL, d) TH_LOG("%s: %s", TM_DBG, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		ASSERT_GT(TM_MAX_FILES, self->nfiles);
		snprintf(self->files[self->nfiles++], sizeof(self->files[0]),
			 "%s/%s", TM_DBG, de->d_name);
	}
	closedir(d);
	ASSERT_LT(2, self->nfiles) TH_LOG("no debugfs files in %s", TM_DBG);
	self->buf = malloc(TM_BUF);
	self->other = malloc(TM_BUF);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(NULL, self->other);
}

FIXTURE_TEARDOWN(tcpmem)
{
	free(self->buf);
	free(self->other);
	if (self->loaded_here && syscall(SYS_delete_module, "tcpmem", O_NONBLOCK))
		TH_LOG("rmmod tcpmem: %s", strerror(errno));
}

/*
 * read_steps: read FD to EOF in reads of STEP bytes into BUF; -1 if a read
 * failed or returned more than asked, else the length.
 */
static long read_steps(int fd, char *buf, size_t step)
{
	long len = 0;
	ssize_t n;

	for (;;) {
		if (len + step > TM_BUF)
			return -1;
		n = read(fd, buf + len, step);
		if (n < 0 || (size_t)n > step)
			return -1;
		if (n == 0)
			return len;
		len += n;
	}
}

static long read_file(const char *path, char *buf, size_t step)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long len;

	if (fd < 0)
		return -1;
	len = read_steps(fd, buf, step);
	close(fd);
	return len;
}

TEST_F(tcpmem, reads_in_small_steps)
{
	static const size_t steps[] = { 1, 7, 4096, 1 << 20 };
	long len;
	size_t i;
	int f;

	for (f = 0; f < self->nfiles; f++) {
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			len = read_file(self->files[f], self->buf, steps[i]);
			ASSERT_LE(0, len)
				TH_LOG("%s in %zu-byte reads: %s", self->files[f],
				       steps[i], strerror(errno));
			if (len == 0 && f > 0)
				continue;	/* a debugfs file with no records */
			ASSERT_LT(0, len) TH_LOG("%s is empty", self->files[f]);
			EXPECT_EQ('\n', self->buf[len - 1])
				TH_LOG("%s (%zu-byte reads) does not end in a newline",
				       self->files[f], steps[i]);
			EXPECT_EQ(NULL, memchr(self->buf, 0, len))
				TH_LOG("%s (%zu-byte reads) holds a NUL byte",
				       self->files[f], steps[i]);
		}
	}
}

TEST_F(tcpmem, layout_bytes_do_not_depend_on_read_size)
{
	char path[] = TM_DBG "/layout";
	long whole, small, off;
	ssize_t n;
	int fd, i;

	whole = read_file(path, self->buf, 1 << 20);
	ASSERT_LT(0, whole);
	small = read_file(path, self->other, 1);
	ASSERT_EQ(whole, small);
	EXPECT_EQ(0, memcmp(self->buf, self->other, whole));

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	srand(getpid());
	for (i = 0; i < 200; i++) {
		off = rand() % whole;
		n = pread(fd, self->other, 64, off);
		ASSERT_LT(0, n) TH_LOG("pread at %ld of %ld", off, whole);
		ASSERT_GE(whole - off, n);
		ASSERT_EQ(0, memcmp(self->buf + off, self->other, n))
			TH_LOG("pread at %ld differs from the whole read", off);
	}
	close(fd);
}

TEST_F(tcpmem, huge_and_negative_offsets)
{
	static const off_t huge[] = { 1LL << 32, 1LL << 40, LLONG_MAX - 4096 };
	ssize_t first, again;
	size_t i;
	off_t pos;
	int f, fd;

	for (f = 0; f < self->nfiles; f++) {
		fd = open(self->files[f], O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, fd) TH_LOG("%s: %s", self->files[f], strerror(errno));
		first = read(fd, self->buf, 4096);
		ASSERT_LE(0, first) TH_LOG("%s: %s", self->files[f], strerror(errno));
		for (i = 0; i < sizeof(huge) / sizeof(huge[0]); i++)
			EXPECT_EQ(0, pread(fd, self->buf, 4096, huge[i]))
				TH_LOG("%s: pread at %lld", self->files[f],
				       (long long)huge[i]);
		errno = 0;
		EXPECT_EQ(-1, pread(fd, self->buf, 16, -1));
		EXPECT_EQ(EINVAL, errno);
		pos = lseek(fd, 1LL << 40, SEEK_SET);
		if (pos >= 0) {
			EXPECT_EQ(0, read(fd, self->buf, 4096))
				TH_LOG("%s: read after lseek past the end", self->files[f]);
		} else {
			EXPECT_EQ(EINVAL, errno);
		}
		/* and the file still reads from the start */
		ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
		again = read(fd, self->buf, 4096);
		EXPECT_EQ(first > 0, again > 0)
			TH_LOG("%s: %zd bytes at first, %zd after lseek(0)",
			       self->files[f], first, again);
		close(fd);
	}
}

TEST_F(tcpmem, writes_are_refused)
{
	static const int modes[] = { O_WRONLY, O_RDWR, O_WRONLY | O_APPEND };
	size_t i;
	int f, fd;

	for (f = 0; f < self->nfiles; f++) {
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			fd = open(self->files[f], modes[i] | O_CLOEXEC);
			if (fd < 0)
				continue;	/* refused at open */
			EXPECT_EQ(-1, write(fd, "0\n", 2))
				TH_LOG("%s took a write", self->files[f]);
			close(fd);
		}
	}
}

TEST_HARNESS_MAIN
