// SPDX-License-Identifier: GPL-2.0
/*
 * fragment: leave the free memory of the machine in single pages, so that
 * no block of order 1 or more can be made from what is free.
 *
 *   fragment READYFILE RESERVE_KB [ORDER]
 *
 * Faults in anonymous memory (no THP) until every zone user memory and
 * kmalloc reach (read_zones()) is down to its low watermark, lowmem
 * reserve and free CMA pages plus RESERVE_KB (below it kswapd would start
 * reclaiming, and nothing here is reclaimable), then frees pages so that
 * no free block of ORDER (3 unless given, or more; at least 1) can form:
 * of every pair of buddy pages (pfn 2k, 2k+1) it holds both of, the odd
 * one, whose buddy stays allocated. For an ORDER of 3 or more (4 KiB
 * pages), in one of 16 aligned groups of 8 pages it holds whole, it frees
 * the first 4 instead (a block of order 2), in another two blocks of order
 * 1: forks there (an order-1 pgd on x86-64) and task_structs (order 2)
 * need those, and would otherwise wake the OOM killer. For ORDER 1 (TCP's
 * slab order with 16 KiB pages, where a pgd and a kernel stack are one
 * page and slabs of larger orders fall back to one) it keeps none: every
 * free page is alone. What it keeps is mlocked on fault (no
 * page is brought back in) so that, with vm.compact_unevictable_allowed=0,
 * compaction cannot move it to rebuild larger blocks. Then it takes, one
 * by one, the blocks of ORDER or more still free (see below). Writes
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
#define KEEP 8			/* blocks of ORDER left in the buddy lists */

static void die(const char *what)
{
	fprintf(stderr, "fragment: %s: %s\n", what, strerror(errno));
	exit(1);
}

#define MAX_ZONES 64

/*
 * The zones user memory and kmalloc reach, from /proc/zoneinfo: a zone
 * whose lowmem reserve for allocations that may use every zone (the
 * largest of its "protection" values) is below its managed pages. That
 * keeps arm64's DMA zone, which holds all memory below 4 GB and has no
 * reserve, and leaves out x86's 16 MB DMA zone where a Normal zone makes
 * its reserve large (with DMA32 alone, 2 GB, the reserve is some 950 of
 * its 3977 pages: blocks_ge() then counts its blocks only while it has a
 * block's worth above it). Per zone: free pages that are not CMA (kernel
 * allocations cannot take those) above the low watermark and that reserve.
 */
struct zone_use {
	int node;
	char name[32];
	long usable;		/* pages; < 0 when below */
};

static int read_zones(struct zone_use *z)
{
	long v, nfree = 0, low = 0, prot = 0, cma = 0, managed = 0;
	int n = -1, node;
	char line[512], name[32];
	FILE *f = fopen("/proc/zoneinfo", "r");

	if (!f)
		die("/proc/zoneinfo");
	for (;;) {
		int eof = !fgets(line, sizeof(line), f);
		char *p;

		if (eof || sscanf(line, "Node %d, zone %31s", &node, name) == 2) {
			if (n >= 0 && prot < managed) {
				z[n].usable = nfree - cma - low - prot;
				n++;
			}
			if (eof || n >= MAX_ZONES - 1)
				break;
			if (n < 0)
				n = 0;
			z[n].node = node;
			snprintf(z[n].name, sizeof(z[n].name), "%s", name);
			nfree = 0;
			low = 0;
			prot = 0;
			cma = 0;
			managed = 0;
		} else if (sscanf(line, " pages free %ld", &v) == 1) {
			nfree = v;
		} else if (sscanf(line, " low %ld", &v) == 1) {
			low = v;
		} else if (sscanf(line, " managed %ld", &v) == 1) {
			managed = v;
		} else if (sscanf(line, " nr_free_cma %ld", &v) == 1) {
			cma = v;
		} else if (strstr(line, "protection: (")) {
			/* "(0, 1, 2, ...)": the largest */
			for (p = strchr(line, '('); p; p = strchr(p, ',')) {
				v = strtol(p + 1, NULL, 10);
				if (v > prot)
					prot = v;
				p++;
			}
		}
	}
	fclose(f);
	return n < 0 ? 0 : n;
}

/* kB the zones it may fill have above what they must keep plus @reserve_kb */
static long above_low_kb(long page, long reserve_kb)
{
	struct zone_use z[MAX_ZONES];
	int i, n = read_zones(z);
	long sum = 0, v;

	for (i = 0; i < n; i++) {
		v = z[i].usable * (page / 1024) - reserve_kb;
		if (v > 0)
			sum += v;
	}
	return sum;
}

/*
 * free blocks of @order or more a kmalloc can take: of every migratetype
 * but CMA, HighAtomic and Isolate (/proc/pagetypeinfo), in those zones that have a
 * block's worth above what they must keep now (x86's DMA zone on a VM
 * with no Normal zone keeps only 991 pages: counted, its blocks that a
 * kmalloc may not take made the loop below wake the OOM killer)
 */
static long blocks_ge(int order)
{
	struct zone_use z[MAX_ZONES];
	int i, n = read_zones(z), node, off, o, in;
	char line[1024], zone[32], type[32];
	long sum = 0, v;
	FILE *f = fopen("/proc/pagetypeinfo", "r");

	if (!f)
		die("/proc/pagetypeinfo");
	while (fgets(line, sizeof(line), f)) {
		char *p;

		if (sscanf(line, "Node %d, zone %31[^,], type %31s%n",
			   &node, zone, type, &off) != 3 ||
		    !strcmp(type, "CMA") || !strcmp(type, "Isolate") ||
		    !strcmp(type, "HighAtomic"))
			continue;
		for (in = 0, i = 0; i < n; i++)
			in |= z[i].node == node && !strcmp(z[i].name, zone) &&
			      z[i].usable > 1L << order;
		if (!in)
			continue;
		p = line + off;
		/* a count of 100000 or more is printed ">100000" */
		for (o = 0; p += strspn(p, " >"), sscanf(p, "%ld%n", &v, &off) == 1;
		     o++, p += off)
			if (o >= order)
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

/*
 * one block of @order taken: the buffer array of a pipe of 2^k pages,
 * 2^k x 40 bytes (struct pipe_buffer), above half the block. From order 2
 * up that is a kmalloc above two pages, which the buddy allocator serves
 * whole: with 4 KiB pages and order 3, a 2 MB pipe, 512 x 40 bytes. For
 * order 1 it comes from the kmalloc cache of two pages, whose new slabs
 * fall back to order 1 (one object) when no larger block is free. Root
 * may exceed pipe-max-size.
 */
static int take_block(long page, int order)
{
	long bufs = 1;
	int fds[2];

	while (bufs * 40 <= page << (order - 1))
		bufs <<= 1;
	if (pipe(fds))
		return -1;
	if (fcntl(fds[0], F_SETPIPE_SZ, bufs * page) < 0) {
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
	int n = 0, fd, i, npipes = 0, c, ncpu, order;
	struct rlimit rl;
	char tmp[4096];
	size_t k;
	FILE *out;
	sigset_t set;
	int sig;

	if (argc != 3 && argc != 4)
		return fprintf(stderr, "usage: fragment READYFILE RESERVE_KB [ORDER]\n"), 2;
	reserve = atol(argv[2]);
	order = argc == 4 ? atoi(argv[3]) : 3;
	if (order < 1 || order == 2 || order > 10 || (unsigned long)page << order > 1UL << 24)
		return fprintf(stderr, "fragment: ORDER %d: 1, or 3 to 10, of at most 16 MB\n",
			       order), 2;
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
		if (order >= 3 && whole && (g >> 3) % 16 == 0)
			drop = q < 4;			/* an order-2 block */
		else if (order >= 3 && whole && (g >> 3) % 16 == 1)
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
	 * What is left free in blocks of ORDER or more (the low watermarks'
	 * worth the fill could not take, and what reclaim freed) is taken one
	 * block at a time (a kmalloc of ORDER, straight from the buddy
	 * allocator), first from the buddy lists until at most KEEP blocks
	 * (of any size) are left, then on each CPU from its per-CPU lists
	 * (which hold such pages too, out of /proc/buddyinfo's sight) while a
	 * block taken shrinks them. A kmalloc of ORDER (1 or 3 here; up to 3
	 * is not costly) that finds no block compacts, which the mlocked
	 * pages defeat, and then may wake the OOM killer, which kills
	 * fragment. KEEP is a margin, not a bound, for what splits blocks of
	 * ORDER between the count and the kmalloc: slab and per-CPU list
	 * refills of other allocations. With 2 kept (1 for the per-CPU pass),
	 * fragment died once in a CI run on 6.12 before it wrote READYFILE,
	 * cause not recorded. Blocks left can serve some of TCP's slabs at
	 * its order; where they serve all of them, test_fallback skips.
	 */
	rl.rlim_cur = rl.rlim_max = 65536;
	setrlimit(RLIMIT_NOFILE, &rl);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (c = 0; c < ncpu; c++) {
		pin(c);
		while (blocks_ge(order) > KEEP && npipes < 16384 && !take_block(page, order))
			npipes++;
	}
	for (c = 0; c < ncpu; c++) {
		pin(c);
		while (npipes < 16384) {
			long before = pcp_pages(c);

			/*
			 * Only while the buddy lists still have KEEP / 2
			 * blocks of ORDER or more: for an order above 0 the
			 * watermark check wants one there (blocks on the
			 * per-CPU lists do not count), and without it the
			 * kmalloc takes the slow path, which may wake the OOM
			 * killer (it killed fragment once on 16 KiB pages). A
			 * CPU's pass ends on a take that refills its list
			 * from the buddy lists (before 5.13 the per-CPU lists
			 * hold order 0 only and every take here does).
			 */
			if (before < (1L << order) || blocks_ge(order) < KEEP / 2 ||
			    take_block(page, order))
				break;
			npipes++;
			if (before - pcp_pages(c) < (1L << order))
				break;	/* it came from elsewhere */
		}
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	out = fopen(tmp, "w");
	if (!out)
		die(tmp);
	fprintf(out, "held=%ld freed=%ld order%d_blocks_taken=%d left=%ld\n", held * (page / 1024),
		freed * (page / 1024), order, npipes, blocks_ge(order));
	if (fclose(out) || rename(tmp, argv[1]))
		die(argv[1]);
	sigwait(&set, &sig);
	return 0;
}
