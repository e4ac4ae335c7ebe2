// SPDX-License-Identifier: GPL-2.0
/*
 * tm_count: the floor of make bench. Each open of /proc/tm_count walks
 * init_net's TCP hashes (tcp_hashinfo, shared by every netns without a
 * private ehash; 6.1+: found through tcp_death_row) the cheapest way
 * that still takes the kernel's locks: the established hash with
 * spin_lock_bh per non-empty bucket and the listening hash (lhash2) with
 * spin_lock per non-empty bucket, cond_resched() every 256 buckets, and
 * counts sk_state. Nothing else is read. Test-only: not
 * part of tcpmem.ko, its package or DKMS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

#ifdef TMC_OLD_LHASH2
#error "tm_count: listeners in lhash2 through icsk_listen_portaddr_node: not supported"
#endif

#define TMC_BATCH	256
#define TMC_STATES	16

static const char *const tmc_names[TMC_STATES] = {
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSE",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
	[TCP_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

static void tmc_count(unsigned long *n, const struct sock *sk)
{
	unsigned int state = READ_ONCE(sk->sk_state);

	n[state < TMC_STATES ? state : 0]++;
}

static void tmc_walk_ehash(struct inet_hashinfo *h, unsigned long *n)
{
	unsigned int i;

	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if ((i % TMC_BATCH) == TMC_BATCH - 1)
			cond_resched();
		if (hlist_nulls_empty(&head->chain))
			continue;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain)
			tmc_count(n, sk);
		spin_unlock_bh(lock);
	}
}

static void tmc_walk_lhash(struct inet_hashinfo *h, unsigned long *n)
{
	unsigned int i;

	for (i = 0; i <= h->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb = &h->lhash2[i];
		struct hlist_nulls_node *node;
		struct sock *sk;

		if ((i % TMC_BATCH) == TMC_BATCH - 1)
			cond_resched();
		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head)
			tmc_count(n, sk);
		spin_unlock(&ilb->lock);
	}
}

static void tmc_print(struct seq_file *m, const char *table, const unsigned long *n)
{
	unsigned int s;

	for (s = 0; s < TMC_STATES; s++) {
		if (!n[s])
			continue;
		if (tmc_names[s])
			seq_printf(m, "%s %s %lu\n", table, tmc_names[s], n[s]);
		else
			seq_printf(m, "%s state%u %lu\n", table, s, n[s]);
	}
}

static int tmc_show(struct seq_file *m, void *v)
{
	struct inet_hashinfo *h = init_net.ipv4.tcp_death_row.hashinfo;
	unsigned long est[TMC_STATES] = {}, lis[TMC_STATES] = {};

	tmc_walk_ehash(h, est);
	tmc_walk_lhash(h, lis);
	tmc_print(m, "ehash", est);
	tmc_print(m, "lhash2", lis);
	return 0;
}

static int __init tmc_init(void)
{
	if (!proc_create_single("tm_count", 0400, NULL, tmc_show)) {
		pr_err("cannot create /proc/tm_count\n");
		return -ENOMEM;
	}
	return 0;
}

static void __exit tmc_exit(void)
{
	remove_proc_entry("tm_count", NULL);
}

module_init(tmc_init);
module_exit(tmc_exit);
MODULE_DESCRIPTION("make bench floor: count-only walk of the TCP hashes");
MODULE_LICENSE("GPL");
