// SPDX-License-Identifier: GPL-2.0
/*
 * fragment: leave the free memory of the machine in single pages, so that
 * no block of order 1 or more can be made from what is free.
 *
 *   fragment READYFILE RESERVE_KB
 *
 * Faults in anonymous memory (no THP) until every zone but DMA is down to
 * its low watermark plus RESERVE_KB (below it kswapd would start
 * reclaiming, and nothing here is reclaimable), then frees pages so that
 * no free block of order 3 can form: of every pair of buddy pages (pfn 2k,
 * 2k+1) it holds both of, the odd one, whose buddy stays allocated. In one
 * of 16 aligned groups of 8 pages it holds whole, it frees the first 4
 * instead (a block of order 2), in another two blocks of order 1: forks
 * (an order-1 pgd) and task_structs (order 2) need those, and would
 * otherwise wake the OOM killer. What it keeps is mlocked on fault (no
 * page is brought back in) so that, with vm.compact_unevictable_allowed=0,
 * compaction cannot move it to rebuild larger blocks. Then it takes, one
 * by one, the blocks of order 3 or more still free (see below). Writes
 * what it did to READYFILE and waits for SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

#define CHUNK (1UL << 20)
#define MAX_CHUNKS 8192
#define MAX_PFN (1UL << 22)	/* 16 GB of 4 KB pages */

static void die(const char *what)
{
	fprintf(stderr, "fragment: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * kB a zone other than DMA (which user memory and slabs do not reach) has
 * free above its low watermark plus @reserve_kb, summed over the zones
 */
static long above_low_kb(long page, long reserve_kb)
{
	long v, nfree = -1, sum = 0;
	char line[256], zone[64] = "";
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		die("/proc/zoneinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node %*d, zone %63s", zone) == 1)
			nfree = -1;
		else if (sscanf(line, " pages free %ld", &v) == 1)
			nfree = v;
		else if (sscanf(line, " low %ld", &v) == 1 && nfree >= 0 &&
			 strcmp(zone, "DMA")) {
			v = nfree * (page / 1024) - v * (page / 1024) - reserve_kb;
			if (v > 0)
				sum += v;
		}
	}
	fclose(f);
	return sum;
}

/* free blocks of order 3 or more in the zones but DMA (/proc/buddyinfo) */
static long blocks_ge3(void)
{
	char line[512], zone[64];
	long sum = 0, v;
	int off, o;
	FILE *f = fopen("/proc/buddyinfo", "r");

	if (!f)
		die("/proc/buddyinfo");
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (sscanf(line, "Node %*d, zone %63s%n", zone, &off) != 1 || !strcmp(zone, "DMA"))
			continue;
		p = line + off;
		for (o = 0; sscanf(p, "%ld%n", &v, &off) == 1; o++, p += off)
			if (o >= 3)
				sum += v;
	}
	fclose(f);
	return sum;
}

/* pages on @cpu's per-CPU free lists (all orders), from /proc/zoneinfo */
static long pcp_pages(int cpu)
{
	char line[256];
	long sum = 0, v;
	int cur = -1, c;
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		die("/proc/zoneinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " cpu: %d", &c) == 1)
			cur = c;
		else if (sscanf(line, " count: %ld", &v) == 1 && cur == cpu)
			sum += v;
	}
	fclose(f);
	return sum;
}

/* one block of order 3 taken: a 2 MB pipe's buffer array (512 x 40 bytes) */
static int take_block(void)
{
	int fds[2];

	if (pipe(fds))
		return -1;
	if (fcntl(fds[0], F_SETPIPE_SZ, 2 << 20) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE), reserve, held = 0, freed = 0;
	char *chunk[MAX_CHUNKS];
	uint64_t *pfn, maxpfn = 0;
	unsigned char *mine;
	size_t per = CHUNK / page;
	int n = 0, fd, i, npipes = 0, c, ncpu;
	struct rlimit rl;
	char tmp[4096];
	size_t k;
	FILE *out;
	sigset_t set;
	int sig;

	if (argc != 3)
		return fprintf(stderr, "usage: fragment READYFILE RESERVE_KB\n"), 2;
	reserve = atol(argv[2]);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);

	/* everything it needs later, in place before memory runs short */
	pfn = malloc(MAX_CHUNKS * per * sizeof(*pfn));
	mine = malloc(MAX_PFN);
	if (!pfn || !mine)
		die("malloc");
	memset(pfn, 0, MAX_CHUNKS * per * sizeof(*pfn));
	memset(mine, 0, MAX_PFN);
	while (n < MAX_CHUNKS && above_low_kb(page, reserve) > (long)(CHUNK >> 10)) {
		chunk[n] = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (chunk[n] == MAP_FAILED)
			die("mmap");
		madvise(chunk[n], CHUNK, MADV_NOHUGEPAGE);
		for (k = 0; k < per; k++)
			chunk[n][k * page] = 1;
		n++;
	}
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		die("/proc/self/pagemap");
	for (i = 0; i < n; i++) {
		off_t off = (off_t)((uintptr_t)chunk[i] / page) * sizeof(uint64_t);

		if (pread(fd, pfn + i * per, per * sizeof(uint64_t), off) !=
		    (ssize_t)(per * sizeof(uint64_t)))
			die("pagemap");
	}
	close(fd);
	for (k = 0; k < n * per; k++) {
		if (!(pfn[k] >> 63) || !(pfn[k] & ((1ULL << 55) - 1)))
			die("pagemap shows no pfn (not root?)");
		pfn[k] &= (1ULL << 55) - 1;
		if (pfn[k] > maxpfn)
			maxpfn = pfn[k];
	}
	if (maxpfn + 8 > MAX_PFN)
		die("pfn beyond 16 GB");
	for (k = 0; k < n * per; k++)
		mine[pfn[k]] = 1;
	for (k = 0; k < n * per; k++) {
		char *p = chunk[k / per] + (k % per) * page;
		uint64_t g = pfn[k] & ~7ULL, q = pfn[k] & 7, j;
		int whole = 1, drop;

		for (j = 0; j < 8; j++)
			whole &= mine[g + j];
		if (whole && (g >> 3) % 16 == 0)
			drop = q < 4;			/* an order-2 block */
		else if (whole && (g >> 3) % 16 == 1)
			drop = q == 0 || q == 1 || q == 4 || q == 5;	/* two of order 1 */
		else
			drop = (pfn[k] & 1) && mine[pfn[k] ^ 1];
		if (drop) {
			if (madvise(p, page, MADV_DONTNEED))
				die("madvise");
			freed++;
		} else {
			held++;
		}
	}
	for (i = 0; i < n; i++)
		if (mlock2(chunk[i], CHUNK, MLOCK_ONFAULT))
			die("mlock2");
	/*
	 * What is left free in blocks of order 3 or more (the low watermarks'
	 * worth the fill could not take, and what reclaim freed) is taken one
	 * block at a time (a kmalloc of order 3, straight from the buddy
	 * allocator), first from the buddy lists until two are left (an
	 * order-3 kmalloc that finds none would wake the OOM killer), then on
	 * each CPU from its per-CPU lists (which hold order-3 pages too, out of
	 * /proc/buddyinfo's sight) while a block taken shrinks them.
	 */
	rl.rlim_cur = rl.rlim_max = 65536;
	setrlimit(RLIMIT_NOFILE, &rl);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (c = 0; c < ncpu; c++) {
		pin(c);
		while (blocks_ge3() > 2 && npipes < 16384 && !take_block())
			npipes++;
	}
	for (c = 0; c < ncpu; c++) {
		pin(c);
		while (npipes < 16384) {
			long before = pcp_pages(c);

			if (before < 8 || take_block())
				break;
			npipes++;
			if (before - pcp_pages(c) < 8)
				break;	/* it came from elsewhere */
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	out = fopen(tmp, "w");
	if (!out)
		die(tmp);
	fprintf(out, "held=%ld freed=%ld order3_blocks_taken=%d left=%ld\n", held * (page / 1024),
		freed * (page / 1024), npipes, blocks_ge3());
	if (fclose(out) || rename(tmp, argv[1]))
		die(argv[1]);
	sigwait(&set, &sig);
	return 0;
}
