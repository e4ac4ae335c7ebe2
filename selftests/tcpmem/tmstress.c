// SPDX-License-Identifier: GPL-2.0
/*
 * tmstress: the load, unload, fault and bad-input helpers of the tcpmem
 * selftests (static, busybox VM). Verdict lines are "ok TEXT" / "bad TEXT"
 * (lib.sh's ktap_verdicts), counters are "# key=value" diagnostics.
 *
 *   tmstress read SECONDS|STOPFILE ID [-u] [-f] [-p]
 *	reader: /proc/tcpmem and every debugfs file (-p: /proc/tcpmem only),
 *	over and over, with random
 *	buffer sizes; each complete read must be well-formed. Errors allowed:
 *	with -u (module coming and going) ENOENT, ENXIO, EIO; with -f (faults
 *	injected, make-it-fail set on itself) ENOMEM. Any other error fails.
 *	Runs SECONDS, or until the file STOPFILE (an absolute path) exists.
 *	With -u it pauses 0-20 ms after each file: an open debugfs file holds
 *	the module, so readers that never pause would keep rmmod out forever.
 *   tmstress churn SECONDS ID [-n]
 *	loopback connections opened and closed as fast as possible (both ends
 *	close first in turn: TIME_WAIT on either side; some reset), a listener
 *	per round, IPv4 and IPv6; -n: a netns made and destroyed each round.
 *   tmstress hold FILE MODULE [OUT]
 *	open FILE, read 1 byte, delete_module(MODULE), read the rest, close;
 *	prints what each step returned, the content goes to OUT.
 *   tmstress cycle N KO
 *	N insmod/rmmod cycles of KO (rmmod retried while refused with EAGAIN).
 *   tmstress check FILE [-d]
 *	1-byte reads, lseek, pread at random/past-the-end/huge offsets and
 *	writes on FILE; -d: the content is deterministic (two opens match).
 *   tmstress as [-c CAP]... [-U] [-n] -- CMD [ARG...]
 *	exec CMD without capability CAP, in a new user namespace (uid/gid 0
 *	mapped to 0) and/or a new network namespace (lo up).
 *   tmstress faultload KO [PARAMS]
 *	finit_module with /proc/thread-self/fail-nth = 1, 2, ... until a load
 *	passes without the fault being injected; every refused load must leave
 *	nothing behind, every load that passed is unloaded.
 *   tmstress faultread FILE...
 *	the same for open + read + close of each FILE (module loaded).
 *   tmstress textrange KO MODULE
 *	"START END": the loaded module's text sections (sysfs addresses, ELF
 *	sizes); then "range NAME START END" for every section named *text*.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROC_FILE	"/proc/tcpmem"
#define DBG_DIR		"/sys/kernel/debug/tcpmem"
#define MAXBYTES	(8 << 20)

static char *buf, *buf2;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ename(int e)
{
	static char other[32];

	switch (e) {
	case 0: return "0";
	case ENOENT: return "ENOENT";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EAGAIN: return "EAGAIN";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EOVERFLOW: return "EOVERFLOW";
	case ENODEV: return "ENODEV";
	case EFAULT: return "EFAULT";
	case ENOSPC: return "ENOSPC";
	case EEXIST: return "EEXIST";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ECONNREFUSED: return "ECONNREFUSED";
	}
	snprintf(other, sizeof(other), "errno%d", e);
	return other;
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)random() % n;
}

/* ---- well-formedness ---- */

static int is_proc(const char *path)
{
	return !strcmp(path, PROC_FILE);
}

/* 0 if @b (@len bytes) is a complete report of @path, else why not in @why */
static int well_formed(const char *path, const char *b, size_t len, char *why, size_t wl)
{
	const char *p, *line, *last = NULL, *caches, *zones;
	size_t i;

	if (!len) {
		/* a debugfs file may have no records (states: no socket) */
		if (!is_proc(path))
			return 0;
		snprintf(why, wl, "empty");
		return -1;
	}
	if (b[len - 1] != '\n') {
		snprintf(why, wl, "does not end with a newline (%zu bytes)", len);
		return -1;
	}
	if (memchr(b, '\0', len)) {
		snprintf(why, wl, "has a NUL byte");
		return -1;
	}
	for (p = b; p < b + len; p = strchr(p, '\n') + 1)
		last = p;
	if (is_proc(path)) {
		/* "tcpmem <format version> kernel ...", then the answer */
		i = strspn(b + 7, "0123456789");
		if (strncmp(b, "tcpmem ", 7) || !i || strncmp(b + 7 + i, " kernel ", 8)) {
			snprintf(why, wl, "first line is not the header");
			return -1;
		}
		if (!memmem(b, len, "\nTCP holds ", 11)) {
			snprintf(why, wl, "no headline (\"TCP holds ...\")");
			return -1;
		}
		caches = memmem(b, len, "\ncaches: ", 9);
		zones = memmem(b, len, "\nzones: ", 8);
		if (!caches || !zones || zones < caches) {
			snprintf(why, wl, "caches:/zones: sections missing or out of order");
			return -1;
		}
		if (strncmp(last, "# fits: ", 8)) {
			snprintf(why, wl, "last line is not the zones section's last (\"# fits:\"): %.60s",
				 last);
			return -1;
		}
		return 0;
	}
	/* debugfs: key=value fields (a bare word allowed after the first) */
	for (line = b; line < b + len; line = strchr(line, '\n') + 1) {
		const char *end = strchr(line, '\n'), *t = line;
		int field = 0;

		while (t < end) {
			const char *te = memchr(t, ' ', end - t), *eq;

			if (!te)
				te = end;
			eq = memchr(t, '=', te - t);
			if (te == t || (!eq && !field) || (eq && eq == t))
				goto bad;
			for (i = 0; t + i < (eq ? eq : te); i++) {
				char c = t[i];

				if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
					goto bad;
			}
			field++;
			t = te + 1;
		}
		if (!field)
			goto bad;
		continue;
bad:
		snprintf(why, wl, "line is not key=value fields: %.*s",
			 (int)(end - line > 80 ? 80 : end - line), line);
		return -1;
	}
	return 0;
}

/* read all of @fd into @b with reads of @chunk bytes; -errno or length */
static ssize_t read_all(int fd, char *b, size_t chunk)
{
	size_t len = 0;
	ssize_t r;

	for (;;) {
		size_t n = chunk;

		if (len + n > MAXBYTES)
			n = MAXBYTES - len;
		if (!n)
			return -EFBIG;
		r = read(fd, b + len, n);
		if (r < 0)
			return -errno;
		if (!r)
			return len;
		len += r;
	}
}

/* whole file in one open: -errno or length */
static ssize_t read_file(const char *path, char *b, size_t chunk, int *at_open)
{
	int fd = open(path, O_RDONLY);
	ssize_t r;

	*at_open = fd < 0;
	if (fd < 0)
		return -errno;
	r = read_all(fd, b, chunk);
	if (close(fd) && r >= 0)
		return -errno;
	return r;
}

/* ---- read ---- */

static int list_files(char files[][300], int max, int proc_only)
{
	DIR *d = proc_only ? NULL : opendir(DBG_DIR);
	struct dirent *e;
	int n = 0;

	strcpy(files[n++], PROC_FILE);
	if (!d)
		return n;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(files[n++], 300, "%s/%s", DBG_DIR, e->d_name);
	}
	closedir(d);
	return n;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* SECONDS, or a path: until that file exists */
static int keep_going(const char *until, double end)
{
	if (until[0] == '/')
		return access(until, F_OK) != 0 && now() < end + 3600;
	return now() < end;
}

static int cmd_read(int argc, char **argv)
{
	double end = now() + atof(argv[0]);
	int id = atoi(argv[1]), unload = 0, faults = 0, proc_only = 0, i, bad = 0;
	unsigned long reads = 0, bytes = 0, onebyte = 0, eno[4] = { 0 };
	static char files[64][300];
	char why[200];

	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-u"))
			unload = 1;
		else if (!strcmp(argv[i], "-f"))
			faults = 1;
		else if (!strcmp(argv[i], "-p"))
			proc_only = 1;
	}
	srandom(getpid());
	if (faults && write_str("/proc/self/make-it-fail", "1")) {
		printf("bad reader %d: cannot set /proc/self/make-it-fail\n", id);
		return 1;
	}
	while (keep_going(argv[0], end) && bad < 5) {
		int n = list_files(files, 64, proc_only);

		for (i = 0; i < n && bad < 5; i++) {
			const char *f = files[rnd(n)];
			unsigned int k = rnd(16);
			size_t chunk = k == 0 ? 1 : k < 8 ? 1 + rnd(4096) : 65536;
			int at_open;
			ssize_t r = read_file(f, buf, chunk, &at_open);

			if (r >= 0) {
				if (unload)
					usleep(rnd(20000));
				reads++;
				bytes += r;
				onebyte += chunk == 1;
				if (well_formed(f, buf, r, why, sizeof(why))) {
					printf("bad reader %d: %s: %s\n", id, f, why);
					bad++;
				}
				continue;
			}
			/* a window for rmmod, which a debugfs file open refuses */
			if (unload)
				usleep(rnd(20000));
			if (unload && r == -ENOENT)
				eno[0]++;
			else if (unload && r == -ENXIO && at_open)
				eno[1]++;
			else if (unload && r == -EIO && !at_open)
				eno[2]++;
			else if (faults && r == -ENOMEM)
				eno[3]++;
			else {
				printf("bad reader %d: %s: %s %s\n", id, f, at_open ? "open" : "read",
				       ename(-r));
				bad++;
			}
		}
	}
	printf("# reader %d: reads=%lu bytes=%lu one_byte_reads=%lu ENOENT=%lu ENXIO=%lu EIO=%lu ENOMEM=%lu bad=%d\n",
	       id, reads, bytes, onebyte, eno[0], eno[1], eno[2], eno[3], bad);
	if (!reads && !unload && !faults) {
		printf("bad reader %d: no complete read\n", id);
		bad++;
	}
	return bad ? 1 : 0;
}

/* ---- churn ---- */

static unsigned long c_conns, c_errs;
static int c_id;

static int churn_err(const char *what)
{
	if (c_errs++ < 5)
		printf("# churn %d: %s: %s\n", c_id, what, ename(errno));
	return -1;
}

static int churn_round(int fam, int n)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl = fam == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int l, c[16], a[16], i, one = 1, ret = 0;

	ss.ss_family = fam;
	if (fam == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	l = socket(fam, SOCK_STREAM, 0);
	if (l < 0)
		return churn_err("socket");
	if (bind(l, (struct sockaddr *)&ss, sl) || listen(l, n) ||
	    getsockname(l, (struct sockaddr *)&ss, &sl)) {
		close(l);
		return churn_err("bind/listen");
	}
	for (i = 0; i < n; i++) {
		c[i] = socket(fam, SOCK_STREAM, 0);
		a[i] = -1;
		if (c[i] < 0 || connect(c[i], (struct sockaddr *)&ss, sl)) {
			ret = churn_err("connect");
			if (c[i] >= 0)
				close(c[i]);
			c[i] = -1;
			continue;
		}
		a[i] = accept(l, NULL, NULL);
		if (a[i] < 0)
			ret = churn_err("accept");
		else if (write(c[i], "x", 1) != 1)
			ret = churn_err("write");
		c_conns++;
	}
	for (i = 0; i < n; i++) {
		if (i % 4 == 3 && c[i] >= 0) {
			struct linger lg = { 1, 0 };	/* reset: no TIME_WAIT */

			setsockopt(c[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		}
		/* who closes first ends in TIME_WAIT: the client, or the server */
		if (i % 2) {
			if (a[i] >= 0)
				close(a[i]);
			if (c[i] >= 0)
				close(c[i]);
		} else {
			if (c[i] >= 0)
				close(c[i]);
			if (a[i] >= 0)
				close(a[i]);
		}
	}
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	close(l);
	return ret;
}

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;

	if (s < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	ret = ioctl(s, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

static int cmd_churn(int argc, char **argv)
{
	double end = now() + atof(argv[0]);
	int netns = argc > 2 && !strcmp(argv[2], "-n");
	unsigned long rounds = 0, nets = 0;

	c_id = atoi(argv[1]);
	signal(SIGPIPE, SIG_IGN);
	while (now() < end) {
		churn_round(rounds % 2 ? AF_INET6 : AF_INET, 4 + rounds % 12);
		rounds++;
		if (netns) {
			pid_t pid = fork();
			int st;

			if (pid == 0) {
				c_conns = 0;
				if (unshare(CLONE_NEWNET) || lo_up())
					_exit(2);
				churn_round(AF_INET, 8);
				churn_round(AF_INET6, 8);
				_exit(c_errs ? 1 : 0);
			}
			if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
			    WEXITSTATUS(st)) {
				if (c_errs++ < 5)
					printf("# churn %d: netns child failed\n", c_id);
			} else {
				nets++;
			}
		}
	}
	printf("# churn %d: rounds=%lu connections=%lu netns=%lu errors=%lu\n", c_id, rounds,
	       c_conns, nets, c_errs);
	if (!c_conns || c_errs) {
		printf("bad churn %d: %lu connections, %lu errors\n", c_id, c_conns, c_errs);
		return 1;
	}
	return 0;
}

/* ---- hold ---- */

static int cmd_hold(int argc, char **argv)
{
	int fd = open(argv[0], O_RDONLY), rm, rm_err = 0, cl, cl_err = 0;
	ssize_t first, rest;
	FILE *out;

	if (fd < 0) {
		printf("open=%s\n", ename(errno));
		return 1;
	}
	first = read(fd, buf, 1);
	if (first != 1) {
		printf("open=0 first=%s\n", first < 0 ? ename(errno) : "EOF");
		return 1;
	}
	rm = syscall(SYS_delete_module, argv[1], O_NONBLOCK);
	if (rm)
		rm_err = errno;
	rest = read_all(fd, buf + 1, 4096);
	cl = close(fd);
	if (cl)
		cl_err = errno;
	printf("open=0 first=1 rmmod=%s rest=%zd rest_err=%s close=%s\n", ename(rm_err),
	       rest < 0 ? 0 : rest, ename(rest < 0 ? -rest : 0), ename(cl_err));
	if (argc > 2 && rest >= 0) {
		out = fopen(argv[2], "w");
		if (!out || fwrite(buf, 1, rest + 1, out) != (size_t)rest + 1 || fclose(out)) {
			perror(argv[2]);
			return 1;
		}
	}
	return 0;
}

/* ---- cycle ---- */

/*
 * N loads and unloads of KO; an unload refused because a reader holds a
 * file open (EAGAIN) is retried at once, for 60 s at most per cycle.
 */
static int cmd_cycle(int argc, char **argv)
{
	unsigned long cycles = strtoul(argv[0], NULL, 10), i, busy = 0, most = 0;
	double t0 = now();

	(void)argc;
	for (i = 0; i < cycles; i++) {
		int fd = open(argv[1], O_RDONLY);
		unsigned long tries = 0;
		double end;

		if (fd < 0 || syscall(SYS_finit_module, fd, "", 0)) {
			printf("bad cycle %lu: insmod: %s\n", i + 1, ename(errno));
			return 1;
		}
		close(fd);
		end = now() + 60;
		while (syscall(SYS_delete_module, "tcpmem", O_NONBLOCK)) {
			if (errno != EAGAIN || now() > end) {
				printf("bad cycle %lu: rmmod: %s after %lu tries\n", i + 1,
				       ename(errno), tries);
				return 1;
			}
			tries++;
		}
		busy += tries;
		if (tries > most)
			most = tries;
	}
	printf("# cycle: %lu insmod/rmmod cycles in %.1f s, %lu rmmod refused with EAGAIN (at most %lu in one cycle)\n",
	       cycles, now() - t0, busy, most);
	return 0;
}

/* ---- check ---- */

static int verdicts_bad;

static void verdict(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "ok" : "bad");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	verdicts_bad += !ok;
}

static const char *short_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return is_proc(path) ? "proc" : s + 1;
}

static int cmd_check(int argc, char **argv)
{
	const char *f = argv[0], *sn = short_name(f);
	int det = argc > 1 && !strcmp(argv[1], "-d"), fd, at_open, i, bad;
	ssize_t whole, len, r, len2;
	char why[200];
	off_t o;

	srandom(getpid());
	/* 1-byte reads of one snapshot, then the same open file from 0 again */
	fd = open(f, O_RDONLY);
	if (fd < 0) {
		verdict(0, "%s: open: %s", sn, ename(errno));
		return 1;
	}
	len = read_all(fd, buf, 1);
	if (len < 0 || well_formed(f, buf, len, why, sizeof(why))) {
		verdict(0, "%s: 1-byte reads: %s", sn, len < 0 ? ename(-len) : why);
		close(fd);
		return 1;
	}
	o = lseek(fd, 0, SEEK_SET);
	len2 = o ? -errno : read_all(fd, buf2, 1 << 20);
	verdict(len2 == len && !memcmp(buf, buf2, len),
		"%s: %zd bytes in 1-byte reads == one read after lseek 0 (same snapshot, %zd)",
		sn, len, len2);

	/* pread: random offsets match the content; past the end: EOF */
	bad = 0;
	for (i = 0; len && i < 256; i++) {
		size_t off = rnd(len), n = 1 + rnd(4096);

		if (off + n > (size_t)len)
			n = len - off;
		r = pread(fd, buf2, n, off);
		if (r != (ssize_t)n || memcmp(buf2, buf + off, n)) {
			if (!bad++)
				printf("# %s: pread(%zu, %zu) = %zd %s\n", sn, n, off, r,
				       r < 0 ? ename(errno) : "(content differs)");
		}
	}
	verdict(!bad, "%s: 256 preads at random offsets match the content (%d wrong)", sn, bad);
	{
		const off_t offs[] = { len, len + 1, (off_t)len + 4096, (off_t)1 << 40,
				       LLONG_MAX - 4096, LLONG_MAX };

		bad = 0;
		for (i = 0; i < (int)(sizeof(offs) / sizeof(offs[0])); i++) {
			errno = 0;
			r = pread(fd, buf2, 4096, offs[i]);
			if (r == 0 || (r < 0 && (errno == EINVAL || errno == EOVERFLOW)))
				continue;
			bad++;
			printf("# %s: pread at %lld = %zd %s\n", sn, (long long)offs[i], r,
			       ename(errno));
		}
		r = pread(fd, buf2, 16, -1);
		if (r >= 0 || errno != EINVAL) {
			bad++;
			printf("# %s: pread at -1 = %zd %s\n", sn, r, ename(errno));
		}
		verdict(!bad, "%s: pread at and past the end: EOF; at huge or negative offsets: EOF or EINVAL",
			sn);
	}

	/* lseek past the end: reads EOF; SEEK_END and negative refused */
	bad = 0;
	o = lseek(fd, len + 4096, SEEK_SET);
	if (o == len + 4096) {
		r = read(fd, buf2, 4096);
		if (r != 0) {
			bad++;
			printf("# %s: read after lseek past the end = %zd %s\n", sn, r, ename(errno));
		}
	} else if (o != -1 || errno != EINVAL) {
		bad++;
		printf("# %s: lseek past the end = %lld %s\n", sn, (long long)o, ename(errno));
	}
	o = lseek(fd, -1, SEEK_SET);
	if (o != -1 || errno != EINVAL) {
		bad++;
		printf("# %s: lseek(-1) = %lld %s\n", sn, (long long)o, ename(errno));
	}
	o = lseek(fd, 10, SEEK_END);
	if (o != -1 && o != len + 10) {
		bad++;
		printf("# %s: lseek(10, SEEK_END) = %lld (length %zd)\n", sn, (long long)o, len);
	}
	o = lseek(fd, 0, SEEK_SET);
	len2 = o ? -errno : read_all(fd, buf2, 1 << 20);
	if (len2 != len || memcmp(buf, buf2, len)) {
		bad++;
		printf("# %s: content after the seeks differs (%zd bytes)\n", sn, len2);
	}
	verdict(!bad, "%s: lseek past the end reads EOF, bad seeks refused, content unchanged", sn);

	/* writes: refused, whatever the open mode; nothing changes */
	bad = 0;
	errno = 0;
	if (write(fd, "0", 1) != -1 || errno != EBADF) {
		bad++;
		printf("# %s: write on O_RDONLY: %s\n", sn, ename(errno));
	}
	close(fd);
	for (i = 0; i < 2; i++) {
		int wfd = open(f, i ? O_RDWR : O_WRONLY);

		if (wfd < 0) {
			if (errno != EACCES && errno != EPERM) {
				bad++;
				printf("# %s: open %s: %s\n", sn, i ? "O_RDWR" : "O_WRONLY",
				       ename(errno));
			}
			continue;
		}
		errno = 0;
		r = write(wfd, "1\n", 2);
		if (r >= 0 || (errno != EIO && errno != EINVAL && errno != EBADF &&
			       errno != EPERM && errno != EACCES)) {
			bad++;
			printf("# %s: write: %zd %s\n", sn, r, ename(errno));
		} else {
			printf("# %s: open %s allowed, write refused with %s\n", sn,
			       i ? "O_RDWR" : "O_WRONLY", ename(errno));
		}
		close(wfd);
	}
	verdict(!bad, "%s: writes refused", sn);

	if (det) {
		whole = read_file(f, buf2, 1 << 20, &at_open);
		verdict(whole == len && !memcmp(buf, buf2, len),
			"%s: deterministic: a whole read after the writes == the 1-byte reads (%zd, %zd bytes)",
			sn, whole, len);
	}
	return verdicts_bad ? 1 : 0;
}

/* ---- as ---- */

static int drop_cap(int cap)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) || syscall(SYS_capget, &hdr, data))
		return -1;
	data[cap / 32].effective &= ~(1U << (cap % 32));
	data[cap / 32].permitted &= ~(1U << (cap % 32));
	data[cap / 32].inheritable &= ~(1U << (cap % 32));
	return syscall(SYS_capset, &hdr, data);
}

static int cmd_as(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			if (drop_cap(atoi(argv[++i]))) {
				perror("tmstress as: drop capability");
				return 2;
			}
		} else if (!strcmp(argv[i], "-U")) {
			if (unshare(CLONE_NEWUSER) || write_str("/proc/self/setgroups", "deny") ||
			    write_str("/proc/self/uid_map", "0 0 1") ||
			    write_str("/proc/self/gid_map", "0 0 1")) {
				perror("tmstress as: user namespace");
				return 2;
			}
		} else if (!strcmp(argv[i], "-n")) {
			if (unshare(CLONE_NEWNET) || lo_up()) {
				perror("tmstress as: network namespace");
				return 2;
			}
		}
	}
	if (i + 1 >= argc)
		return 2;
	execvp(argv[i + 1], argv + i + 1);
	perror("tmstress as: exec");
	return 127;
}

/* ---- faults ---- */

static int fail_nth_fd = -1;

static void fail_nth_set(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(fail_nth_fd, s, len, 0) != len) {
		perror("fail-nth");
		exit(2);
	}
}

/* fail-nth left: 0 once the fault was injected */
static unsigned int fail_nth_get(void)
{
	char s[16] = "";

	if (pread(fail_nth_fd, s, sizeof(s) - 1, 0) <= 0) {
		perror("fail-nth");
		exit(2);
	}
	return strtoul(s, NULL, 10);
}

static int module_present(const char *name)
{
	char path[128];
	struct stat st;
	char line[256];
	FILE *f = fopen("/proc/modules", "r");
	int found = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ' ')
			found = 1;
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return found || !stat(path, &st) || !stat(PROC_FILE, &st) || !stat(DBG_DIR, &st);
}

static void count_errno(unsigned long *hist, int e)
{
	hist[e < 256 ? e : 0]++;
}

static void print_errnos(const char *what, unsigned long *hist)
{
	int e;

	printf("# %s errors:", what);
	for (e = 0; e < 256; e++)
		if (hist[e])
			printf(" %s=%lu", ename(e), hist[e]);
	printf("\n");
}

static int open_fail_nth(void)
{
	fail_nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (fail_nth_fd < 0) {
		printf("bad cannot open /proc/thread-self/fail-nth: %s\n", ename(errno));
		return -1;
	}
	return 0;
}

static int cmd_faultload(int argc, char **argv)
{
	const char *params = argc > 1 ? argv[1] : "";
	unsigned long injected = 0, refused = 0, passed = 0, hist[256] = { 0 };
	unsigned int n, left = 0, fewer_at = 0;
	int bad = 0, ret, e, files, min_files = INT_MAX;
	static char names[64][300];

	if (open_fail_nth())
		return 1;
	if (module_present("tcpmem")) {
		printf("bad tcpmem is loaded before the fault loop\n");
		return 1;
	}
	for (n = 1; n < 5000; n++) {
		int fd = open(argv[0], O_RDONLY);

		if (fd < 0) {
			perror(argv[0]);
			return 1;
		}
		fail_nth_set(n);
		ret = syscall(SYS_finit_module, fd, params, 0);
		e = errno;
		left = fail_nth_get();
		fail_nth_set(0);
		close(fd);
		injected += !left;
		if (!ret) {
			/* how many debugfs files this load made */
			files = list_files(names, 64, 0) - 1;
			if (syscall(SYS_delete_module, "tcpmem", O_NONBLOCK)) {
				printf("bad fail-nth %u: rmmod after a load: %s\n", n, ename(errno));
				return 1;
			}
			if (left) {
				/* every allocation point of the load has been failed */
				if (min_files < files)
					printf("# faultload: a load that passed despite the fault at fail-nth %u has %d debugfs files, not %d (debugfs_create_file failure ignored)\n",
					       fewer_at, min_files, files);
				break;
			}
			passed++;
			if (files < min_files) {
				min_files = files;
				fewer_at = n;
			}
			continue;
		}
		refused++;
		count_errno(hist, e);
		if (left) {
			printf("bad fail-nth %u: load refused (%s) with no fault injected\n", n,
			       ename(e));
			bad++;
			break;
		}
		if (module_present("tcpmem")) {
			printf("bad fail-nth %u: load refused (%s) but tcpmem state is left behind\n",
			       n, ename(e));
			return 1;
		}
	}
	printf("# faultload: allocation points=%u faults injected=%lu loads refused=%lu loads passed despite the fault=%lu\n",
	       n - 1, injected, refused, passed);
	print_errnos("refused load", hist);
	if (n == 5000) {
		printf("bad faultload: still injecting after %u allocation points\n", n);
		bad++;
	}
	if (!injected) {
		printf("bad faultload: no fault was injected\n");
		bad++;
	}
	return bad ? 1 : 0;
}

static int cmd_faultread(int argc, char **argv)
{
	unsigned long injected = 0, failed = 0, passed = 0, points = 0, hist[256] = { 0 };
	unsigned int n, left;
	int bad = 0, i, at_open;
	char why[200];
	ssize_t r;

	if (open_fail_nth())
		return 1;
	for (i = 0; i < argc; i++) {
		for (n = 1; n < 5000; n++) {
			fail_nth_set(n);
			r = read_file(argv[i], buf, 65536, &at_open);
			left = fail_nth_get();
			fail_nth_set(0);
			injected += !left;
			if (r >= 0 && well_formed(argv[i], buf, r, why, sizeof(why))) {
				printf("bad %s: fail-nth %u: %s\n", argv[i], n, why);
				bad++;
			}
			if (left) {
				if (r < 0) {
					printf("bad %s: fail-nth %u: %s with no fault injected\n",
					       argv[i], n, ename(-r));
					bad++;
				}
				break;
			}
			if (r < 0) {
				failed++;
				count_errno(hist, -r);
			} else {
				passed++;
			}
		}
		points += n - 1;
		if (n == 5000)
			bad++;
	}
	printf("# faultread: files=%d allocation points=%lu faults injected=%lu reads failed=%lu reads passed despite the fault=%lu\n",
	       argc, points, injected, failed, passed);
	print_errnos("failed read", hist);
	if (!injected) {
		printf("bad faultread: no fault was injected\n");
		bad++;
	}
	return bad ? 1 : 0;
}

/* ---- textrange ---- */

static int cmd_textrange(int argc, char **argv)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh;
	char *names;
	FILE *f;
	int i;

	(void)argc;
	f = fopen(argv[0], "r");
	if (!f || fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64) {
		fprintf(stderr, "textrange: %s: not a 64-bit ELF file\n", argv[0]);
		return 1;
	}
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || fseek(f, eh.e_shoff, SEEK_SET) ||
	    fread(sh, sizeof(*sh), eh.e_shnum, f) != eh.e_shnum)
		return 1;
	names = malloc(sh[eh.e_shstrndx].sh_size);
	if (!names || fseek(f, sh[eh.e_shstrndx].sh_offset, SEEK_SET) ||
	    fread(names, 1, sh[eh.e_shstrndx].sh_size, f) != sh[eh.e_shstrndx].sh_size)
		return 1;
	fclose(f);
	for (i = 0; i < eh.e_shnum; i++) {
		const char *name = names + sh[i].sh_name;
		char path[512], line[64];
		unsigned long a;
		FILE *s;

		if (!strstr(name, "text") || !(sh[i].sh_flags & SHF_EXECINSTR) || !sh[i].sh_size)
			continue;
		snprintf(path, sizeof(path), "/sys/module/%s/sections/%s", argv[1], name);
		s = fopen(path, "r");
		if (!s)
			continue;
		if (!fgets(line, sizeof(line), s)) {
			fclose(s);
			continue;
		}
		fclose(s);
		a = strtoul(line, NULL, 16);
		if (!a) {
			fprintf(stderr, "textrange: %s reads 0 (not root?)\n", path);
			return 1;
		}
		printf("range %s 0x%lx 0x%lx\n", name, a, a + (unsigned long)sh[i].sh_size);
		/* .init.text is freed after the load: reads are in the rest */
		if (strcmp(name, ".init.text")) {
			if (a < lo)
				lo = a;
			if (a + sh[i].sh_size > hi)
				hi = a + sh[i].sh_size;
		}
	}
	if (!hi) {
		fprintf(stderr, "textrange: no text section of %s in /sys/module/%s/sections\n",
			argv[0], argv[1]);
		return 1;
	}
	printf("0x%lx 0x%lx\n", lo, hi);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
		int args;
	} cmds[] = {
		{ "read", cmd_read, 2 }, { "churn", cmd_churn, 2 }, { "hold", cmd_hold, 2 },
		{ "check", cmd_check, 1 }, { "cycle", cmd_cycle, 2 }, { "as", cmd_as, 2 }, { "faultload", cmd_faultload, 1 },
		{ "faultread", cmd_faultread, 1 }, { "textrange", cmd_textrange, 2 },
	};
	unsigned int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	buf = malloc(MAXBYTES);
	buf2 = malloc(MAXBYTES);
	if (!buf || !buf2)
		return 2;
	for (i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name) && argc - 2 >= cmds[i].args)
			return cmds[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: tmstress read|churn|hold|cycle|check|as|faultload|faultread|textrange ARGS (see the source)\n");
	return 2;
}
