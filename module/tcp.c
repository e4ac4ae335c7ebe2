// SPDX-License-Identifier: GPL-2.0
/*
 * TCP sockets per network namespace, family and state, from the kernel's
 * own hash tables, under their own locks, in bounded batches:
 *
 * - every distinct established hash (6.1+: a child netns may own one),
 *   holding full sockets, timewait and request minisocks;
 * - the listening hash (shared by all netns);
 * - the bind hashes (shared): bind buckets, and sockets that are bound but
 *   in no lookup table (state CLOSE / BOUND_INACTIVE).
 *
 * Only sock_common fields are read before the state says the socket is a
 * full one, as tcp_ipv4.c does. Nothing is formatted under a lock.
 */
#include <linux/bsearch.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/nsproxy.h>
#include <linux/percpu_counter.h>
#include <linux/rculist_nulls.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "tcpmem/compat.h"
#include "tcpmem/walk.h"

#define TM_BATCH	256	/* buckets between two cond_resched() */

static const char *const tm_state_name[] = {
	[TCP_ESTABLISHED]	= "ESTABLISHED",
	[TCP_SYN_SENT]		= "SYN_SENT",
	[TCP_SYN_RECV]		= "SYN_RECV",
	[TCP_FIN_WAIT1]		= "FIN_WAIT1",
	[TCP_FIN_WAIT2]		= "FIN_WAIT2",
	[TCP_TIME_WAIT]		= "TIME_WAIT",
	[TCP_CLOSE]		= "CLOSE",
	[TCP_CLOSE_WAIT]	= "CLOSE_WAIT",
	[TCP_LAST_ACK]		= "LAST_ACK",
	[TCP_LISTEN]		= "LISTEN",
	[TCP_CLOSING]		= "CLOSING",
	[TCP_NEW_SYN_RECV]	= "NEW_SYN_RECV",
	"BOUND_INACTIVE",	/* 13: 6.12+ only, where TCP_MAX_STATES is 14 */
};

const char *tm_slot_name(int slot)
{
	switch (slot) {
	case TM_SLOT_TW:
		return "TIME_WAIT";
	case TM_SLOT_TW_FW2:
		return "FIN_WAIT2";
	case TM_SLOT_REQ:
		return "SYN_RECV";
	default:
		if (slot > 0 && slot < ARRAY_SIZE(tm_state_name) && slot < TCP_MAX_STATES)
			return tm_state_name[slot];
		return "UNKNOWN";
	}
}

struct tm_walk {
	struct tm_tcp *t;
	struct net **nets;		/* visible to the reader; sorted, parallel to t->netns */
	const struct net *last;		/* the netns of the socket before */
	struct tm_netns *last_ns;
	struct tm_walk_time *wt;	/* phases and lock holds of this snapshot */
	bool owners;			/* walk the bhash2 owners for bound-only sockets */
	bool nomem;			/* an accumulator could not be had */
	bool sample;			/* this bucket's sockets are timed by step */
	bool memcg;			/* read each object's memcg (cgroup records) */
	u64 t0;				/* start of the phase under way */
	u64 ts;				/* start of the step under way */
};

static int tm_cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static struct tm_netns *tm_netns_of(struct tm_walk *w, const struct net *net)
{
	struct net **p;

	/* sockets of one netns come in runs (a child ehash holds only its own) */
	if (net == w->last)
		return w->last_ns;
	p = bsearch(&net, w->nets, w->t->nr_netns, sizeof(*w->nets), tm_cmp_ptr);
	w->last = net;
	w->last_ns = p ? &w->t->netns[p - w->nets] : NULL;
	return w->last_ns;
}

/* phase @p ends now, and the next one begins */
static void tm_phase_end(struct tm_walk *w, enum tm_phase p)
{
	u64 now = ktime_get_ns();

	w->wt->phase_ns[p] = now - w->t0;
	w->t0 = now;
}

/*
 * Step @s of a sampled socket ends now. Under the bucket lock: no
 * migration, one CPU's local_clock(); interrupts (and on PREEMPT_RT
 * other tasks) that ran meanwhile count in the step.
 */
static void tm_step(struct tm_walk *w, enum tm_step s)
{
	u64 now;

	if (!w->sample)
		return;
	now = local_clock();
	w->wt->step_ns[s] += now - w->ts;
	w->ts = now;
}

static int tm_family(const struct sock *sk)
{
	return sk->sk_family == AF_INET6 ? TM_INET6 : TM_INET;
}

/* the charge of one object the socket holds, into @si */
static void tm_charge_of(struct tm_sock_info *si, const void *obj, enum tm_type t,
			 struct tm_charge *ch, bool memcg)
{
	tm_obj_charge(obj, t, ch, memcg);
	tm_sock_obj(si, t, ch->vec, ch->state == TM_CH_MEMCG);
}

/*
 * The objects the socket's file brings, each read where it is reached:
 * the socket inode (struct socket_alloc), the file, its dentry. The epoll
 * objects of a watched file are not reached from it under these locks:
 * they take the file's charge (the task that registered the file made
 * them, in process context); LSM blobs are plain kmalloc, never charged.
 */
static void tm_charge_file(struct tm_sock_info *si, struct socket *sock, struct file *file,
			   bool memcg)
{
	struct tm_charge ch, fch;

	tm_charge_of(si, container_of(sock, struct socket_alloc, socket), TM_T_SOCK_INODE, &ch,
		     memcg);
	if (!file)
		return;
	tm_charge_of(si, READ_ONCE(file->f_path.dentry), TM_T_DENTRY, &ch, memcg);
	tm_charge_of(si, file, TM_T_FILP, &fch, memcg);
	if (si->holder == TM_H_FILE_EPOLL) {
		static const enum tm_type ep[] = { TM_T_EPI, TM_T_PWQ, TM_T_EP_HEAD };
		int i;

		for (i = 0; i < ARRAY_SIZE(ep); i++)
			tm_sock_obj(si, ep[i], fch.vec, fch.state == TM_CH_MEMCG);
	}
}

/*
 * Room for the accumulators the next bucket may make, taken before its
 * lock: a chunk's worth free. A bucket that needs more gets them under the
 * lock (tm_acc_of()).
 */
static void tm_acc_reserve(struct tm_walk *w)
{
	struct tm_acc_pool *p = &w->t->pool;
	struct tm_state_acc *c;

	if (w->nomem || p->used + TM_ACC_PER_CHUNK <= p->nr_chunks * TM_ACC_PER_CHUNK ||
	    p->nr_chunks == p->max_chunks)
		return;
	c = kcalloc(TM_ACC_PER_CHUNK, sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (c)
		p->chunk[p->nr_chunks++] = c;
}

/* under a bucket lock: the accumulator of @ns, @family, @slot, made if new */
static struct tm_state_acc *tm_acc_of(struct tm_walk *w, struct tm_netns *ns,
				      int family, int slot)
{
	struct tm_acc_pool *p = &w->t->pool;
	u32 k = ns->acc[family][slot];

	if (w->nomem)
		return NULL;
	if (!k) {
		if (p->used == p->nr_chunks * TM_ACC_PER_CHUNK) {
			struct tm_state_acc *c = NULL;

			if (p->nr_chunks < p->max_chunks)
				c = kcalloc(TM_ACC_PER_CHUNK, sizeof(*c),
					    GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);
			if (!c) {
				w->nomem = true;	/* the read fails: -ENOMEM */
				return NULL;
			}
			p->chunk[p->nr_chunks++] = c;
		}
		k = ++p->used;
		ns->acc[family][slot] = k;
	}
	k--;
	return &p->chunk[k / TM_ACC_PER_CHUNK][k % TM_ACC_PER_CHUNK];
}

/* One socket's record: its state accumulator, and its cgroup's. */
static void tm_account(struct tm_walk *w, struct tm_netns *ns, struct tm_sock_info *si)
{
	struct tm_state_acc *a = tm_acc_of(w, ns, si->family, si->slot);

	if (!a)
		return;
	tm_acc_add_sock(a, si);
	if (w->t->cgt)
		tm_cg_add(w->t, ns->inum, si);
}

/* A full socket: which objects it holds, their charges, its buffers. */
static void tm_count_full(struct tm_walk *w, struct tm_netns *ns, struct sock *sk, int slot)
{
	struct tm_sock_info si = { .family = tm_family(sk), .slot = slot };
	struct socket *sock = READ_ONCE(sk->sk_socket);
	/* socket inodes and files are freed after RCU: under rcu_read_lock() */
	struct file *file = sock ? READ_ONCE(sock->file) : NULL;

	if (sock_flag(sk, SOCK_DEAD))
		si.holder = TM_H_ORPHAN;
	else if (!sock)
		si.holder = TM_H_QUEUED;	/* a child not accepted yet */
	else if (file)
		si.holder = tm_file_watched(file) ? TM_H_FILE_EPOLL : TM_H_FILE;
	else
		si.holder = TM_H_KERNEL;
	si.rmem = atomic_read(&sk->sk_rmem_alloc);
	si.wmem_queued = READ_ONCE(sk->sk_wmem_queued);
	si.fwd_alloc = max(READ_ONCE(sk->sk_forward_alloc), 0);
	/* the creating task's cgroup v2 (the socket holds a reference to it) */
	if (w->memcg)
		si.cgrp = tm_sock_cgroup(sk);
	tm_step(w, TM_ST_SOCK);
	tm_charge_of(&si, sk, si.family == TM_INET6 ? TM_T_TCPV6 : TM_T_TCP, &si.own, w->memcg);
	if (si.holder != TM_H_ORPHAN && si.holder != TM_H_QUEUED)
		tm_charge_file(&si, sock, file, w->memcg);
	tm_step(w, TM_ST_CHARGE);
	tm_account(w, ns, &si);
	tm_step(w, TM_ST_ACCOUNT);
}

/* A minisock: its own object only; no cgroup (no sk_cgrp_data) */
static void tm_count_mini(struct tm_walk *w, struct tm_netns *ns, struct sock *sk, int slot)
{
	struct tm_sock_info si = { .family = tm_family(sk), .slot = slot, .holder = TM_H_MINI };
	bool v6 = si.family == TM_INET6;
	enum tm_type t;

	if (slot == TM_SLOT_REQ)
		t = v6 ? TM_T_REQ_TCPV6 : TM_T_REQ_TCP;
	else
		t = v6 ? TM_T_TW_TCPV6 : TM_T_TW_TCP;
	tm_charge_of(&si, sk, t, &si.own, w->memcg);
	tm_step(w, TM_ST_CHARGE);
	tm_account(w, ns, &si);
	tm_step(w, TM_ST_ACCOUNT);
}

static void tm_count_ehash_sk(struct tm_walk *w, struct sock *sk)
{
	struct tm_netns *ns = tm_netns_of(w, sock_net(sk));
	int state = READ_ONCE(sk->sk_state);

	tm_step(w, TM_ST_NETNS);
	if (!ns)
		return;
	if (state == TCP_TIME_WAIT) {
		int sub = READ_ONCE(inet_twsk(sk)->tw_substate);

		tm_count_mini(w, ns, sk, sub == TCP_FIN_WAIT2 ? TM_SLOT_TW_FW2 : TM_SLOT_TW);
	} else if (state == TCP_NEW_SYN_RECV) {
		tm_count_mini(w, ns, sk, TM_SLOT_REQ);
	} else if (state > 0 && state < TCP_MAX_STATES) {
		tm_count_full(w, ns, sk, state);
		w->t->hashed_full++;
	}
}

static void tm_walk_ehash(struct tm_walk *w, struct inet_hashinfo *h)
{
	unsigned long n = 0;
	unsigned int i;
	u64 t0;

	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if ((i % TM_BATCH) == TM_BATCH - 1)
			cond_resched();
		if (hlist_nulls_empty(&head->chain))
			continue;
		tm_acc_reserve(w);
		w->sample = (i % TM_STEP_EVERY) == 0;
		rcu_read_lock();
		spin_lock_bh(lock);
		t0 = tm_hold_clock();
		sk_nulls_for_each(sk, node, &head->chain) {
			if (w->sample) {
				w->ts = local_clock();
				w->wt->step_sockets++;
			}
			tm_count_ehash_sk(w, sk);
			n++;
		}
		tm_hold_end(w->wt, TM_HOLD_BUCKET, t0);
		spin_unlock_bh(lock);
		rcu_read_unlock();
	}
	w->sample = false;
	w->wt->ehash_sockets += n;
}

static void tm_count_listener(struct sock *sk, void *arg)
{
	struct tm_walk *w = arg;
	struct tm_netns *ns = tm_netns_of(w, sock_net(sk));

	if (!ns || READ_ONCE(sk->sk_state) != TCP_LISTEN)
		return;
	tm_count_full(w, ns, sk, TCP_LISTEN);
	w->t->hashed_full++;
}

static void tm_walk_lhash(struct tm_walk *w, struct inet_hashinfo *h)
{
	unsigned int i;
	u64 t0;

	for (i = 0; i <= h->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb = &h->lhash2[i];

		if ((i % TM_BATCH) == TM_BATCH - 1)
			cond_resched();
		if (tm_lhash_bucket_empty(ilb))
			continue;
		tm_acc_reserve(w);
		rcu_read_lock();
		spin_lock(&ilb->lock);
		t0 = tm_hold_clock();
		tm_lhash_bucket_walk(ilb, tm_count_listener, w);
		tm_hold_end(w->wt, TM_HOLD_BUCKET, t0);
		spin_unlock(&ilb->lock);
		rcu_read_unlock();
	}
}

struct tm_bound {
	struct tm_walk *w;
	struct tm_netns *ns;
};

/* a bound socket in no lookup table: CLOSE (BOUND_INACTIVE on 6.12+) */
static void __maybe_unused tm_count_bound(struct sock *sk, void *arg)
{
	struct tm_bound *b = arg;

	/* timewait socks share the owners list on 6.12+: state first */
	if (READ_ONCE(sk->sk_state) != TCP_CLOSE)
		return;
	tm_count_full(b->w, b->ns, sk, TM_STATE_BOUND_INACTIVE);
	b->w->t->hashed_full++;
}

/*
 * Bind buckets (shared by all sockets on a port, and for bhash2 an
 * address), and the bound sockets that are in no lookup table.
 */
static void tm_walk_bhash(struct tm_walk *w, struct inet_hashinfo *h)
{
	unsigned int i;
	u64 t0;

	for (i = 0; i < h->bhash_size; i++) {
		struct inet_bind_hashbucket *head = &h->bhash[i];
		struct inet_bind_bucket *tb;

		if ((i % TM_BATCH) == TM_BATCH - 1)
			cond_resched();
		if (hlist_empty(&head->chain))
			continue;
		rcu_read_lock();	/* for the buckets' objcgs and memcgs */
		spin_lock_bh(&head->lock);
		t0 = tm_hold_clock();
		hlist_for_each_entry(tb, &head->chain, node) {
			struct tm_netns *ns = tm_netns_of(w, ib_net(tb));
			struct tm_charge ch;

			if (!ns)
				continue;
			ns->bind_buckets++;
			tm_obj_charge(tb, TM_T_BIND, &ch, w->memcg);
			ns->bind_vec += ch.vec;
			if (w->t->cgt)
				tm_cg_add_bucket(w->t, ns->inum, &ch, false);
		}
		tm_hold_end(w->wt, TM_HOLD_BUCKET, t0);
		spin_unlock_bh(&head->lock);
		rcu_read_unlock();
	}
	tm_phase_end(w, TM_PH_BHASH);
#ifdef TM_HAVE_BHASH2
	w->wt->owners_walked = w->owners;
	for (i = 0; i < h->bhash_size; i++) {
		struct inet_bind_hashbucket *head = &h->bhash2[i];
		struct inet_bind2_bucket *tb2;

		if ((i % TM_BATCH) == TM_BATCH - 1)
			cond_resched();
		if (hlist_empty(&head->chain))
			continue;
		if (w->owners)
			tm_acc_reserve(w);
		rcu_read_lock();	/* for the owners' sockets and files */
		spin_lock_bh(&head->lock);
		t0 = tm_hold_clock();
		hlist_for_each_entry(tb2, &head->chain, node) {
			struct tm_bound b = { w, tm_netns_of(w, read_pnet(&tb2->ib_net)) };
			struct tm_charge ch;

			if (!b.ns)
				continue;
			b.ns->bind2_buckets++;
			tm_obj_charge(tb2, TM_T_BIND2, &ch, w->memcg);
			b.ns->bind2_vec += ch.vec;
			if (w->t->cgt)
				tm_cg_add_bucket(w->t, b.ns->inum, &ch, true);
			if (w->owners)
				tm_bhash2_owners_walk(tb2, tm_count_bound, &b);
		}
		tm_hold_end(w->wt, TM_HOLD_BUCKET, t0);
		spin_unlock_bh(&head->lock);
		rcu_read_unlock();
	}
	tm_phase_end(w, TM_PH_BHASH2);
#endif
}

/*
 * May the reader see this netns? Its own (the opener's netns), or one whose
 * owning user namespace the opener had CAP_NET_ADMIN over, with the
 * credentials the file was opened with (checked while it is opened).
 * Denial is the normal case for a container: no audit record.
 */
static bool tm_reader_sees(const struct file *file, const struct net *own,
			   const struct net *net)
{
	return net == own || tm_file_ns_capable_noaudit(file, net->user_ns, CAP_NET_ADMIN);
}

/*
 * The netns the reader may see, each with a reference taken under net_rwsem
 * (a netns already on its way out is left out: its sockets go with it), so
 * that the walk itself holds no global lock: creating or destroying a netns
 * never waits for a reader. Sorted by address; at most @n. *@all: every
 * netns there is was taken or is dying, and none was left for want of room.
 */
static int tm_collect_netns(const struct file *file, const struct net *own,
			    struct net **nets, int n, bool *all)
{
	int i = 0, total = 0, dying = 0;
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net) {
		total++;
		if (i == n || !tm_reader_sees(file, own, net))
			continue;
		if (maybe_get_net(net))
			nets[i++] = net;
		else
			dying++;
	}
	up_read(&net_rwsem);
	*all = i + dying == total;
	sort(nets, i, sizeof(*nets), tm_cmp_ptr, NULL);
	return i;
}

static int tm_count_netns(void)
{
	struct net *net;
	int n = 0;

	down_read(&net_rwsem);
	for_each_net(net)
		n++;
	up_read(&net_rwsem);
	return n;
}

int tm_snapshot_tcp(struct tm_snapshot *snap, const struct file *file, unsigned int what)
{
	bool cgroups = what & TM_SNAP_CGROUPS, sockets = what & TM_SNAP_SOCKETS;
	struct net *own = current->nsproxy->net_ns;	/* opened now: the opener's */
	struct tm_tcp *t = &snap->tcp;
	struct inet_hashinfo **seen = NULL;
	struct tm_walk w = { .t = t, .wt = &snap->time, .memcg = cgroups };
	int n, nseen = 0, i, k, ret = 0;
	unsigned long before = 0;	/* sockets_allocated before the walks */
	u64 t0;

	if (cgroups) {
		ret = tm_cg_begin(t);
		if (ret)
			return ret;
	}
	w.t0 = ktime_get_ns();
	/* room for the netns there are now, and some made meanwhile */
	n = tm_count_netns();
	n += n / 8 + 8;
	w.nets = kvcalloc(n, sizeof(*w.nets), GFP_KERNEL_ACCOUNT);
	if (!w.nets)
		return -ENOMEM;
	t->nr_netns = tm_collect_netns(file, own, w.nets, n, &t->all_netns);
	/* per visible netns only: a container reader pays for its own */
	t->netns = kvcalloc(max(t->nr_netns, 1), sizeof(*t->netns), GFP_KERNEL_ACCOUNT);
	seen = kvcalloc(max(t->nr_netns, 1), sizeof(*seen), GFP_KERNEL_ACCOUNT);
	if (!t->netns || !seen) {
		ret = -ENOMEM;
		goto out;
	}
	/* the accumulators' chunks (sockets only): pointers for all there can be */
	if (sockets) {
		struct tm_acc_pool *p = &t->pool;

		p->max_chunks = DIV_ROUND_UP((size_t)max(t->nr_netns, 1) * TM_NR_FAMILIES *
					     TM_NR_SLOTS, TM_ACC_PER_CHUNK);
		p->chunk = kvcalloc(p->max_chunks, sizeof(*p->chunk), GFP_KERNEL_ACCOUNT);
		if (!p->chunk) {
			ret = -ENOMEM;
			goto out;
		}
	}
	t->own = -1;
	for (i = 0; i < t->nr_netns; i++) {
		t->netns[i].inum = w.nets[i]->ns.inum;
		seen[i] = w.nets[i]->ipv4.tcp_death_row.hashinfo;
		if (w.nets[i] == own)
			t->own = i;
	}

	/* every distinct established hash once (sorted: duplicates adjacent) */
	sort(seen, t->nr_netns, sizeof(*seen), tm_cmp_ptr, NULL);
	for (i = 0; i < t->nr_netns; i++) {
		if (i && seen[i] == seen[i - 1])
			continue;
		seen[nseen++] = seen[i];
	}
	tm_phase_end(&w, TM_PH_NETNS);
	if (sockets) {
		/* sockets_allocated around the lookup-table walks: see below */
		before = percpu_counter_sum_positive(tcp_prot.sockets_allocated);
		for (k = 0; k < nseen; k++) {
			tm_walk_ehash(&w, seen[k]);
			cond_resched();
		}
		tm_phase_end(&w, TM_PH_EHASH);
		/* the listening and bind hashes: shared by all (a child copies them) */
		if (nseen)
			tm_walk_lhash(&w, seen[0]);
		tm_phase_end(&w, TM_PH_LHASH2);
	}
	/*
	 * A socket bound but in no lookup table is one of sockets_allocated
	 * that the established and listening hashes did not hold: when they
	 * held every one, the bhash2 owner lists have none to find. Sockets
	 * come and go during the walk: one closed after its bucket was counted
	 * lowers the count after the walk, one opened and counted raises it
	 * over the count before. Skipped only when both counts equal the full
	 * sockets held (no churn; or exactly as many closes and opens as
	 * bound-only sockets, each way).
	 */
	t->allocated = percpu_counter_sum_positive(tcp_prot.sockets_allocated);
	w.owners = sockets && (before != t->hashed_full || t->allocated != t->hashed_full);
	if (nseen)
		tm_walk_bhash(&w, seen[0]);
	t->max_tw_buckets = READ_ONCE(own->ipv4.tcp_death_row.sysctl_max_tw_buckets);
	t->own_inum = own->ns.inum;
	if (w.nomem)
		ret = -ENOMEM;
out:
	for (i = 0; i < t->nr_netns; i++)
		put_net(w.nets[i]);
	kvfree(seen);
	kvfree(w.nets);
	/* outside every lock: paths resolved, references dropped */
	if (t->cgt) {
		int r;

		t0 = ktime_get_ns();
		r = tm_cg_end(t);
		snap->time.phase_ns[TM_PH_CGROUPS] = ktime_get_ns() - t0;
		ret = ret ?: r;
	}
	if (ret)
		return ret;

	for (i = 0; i < 3; i++)
		t->tcp_mem_pages[i] = READ_ONCE(tcp_prot.sysctl_mem[i]);
	t->tcp_mem_allocated = atomic_long_read(tcp_prot.memory_allocated);
	return 0;
}

void tm_snapshot_free_tcp(struct tm_snapshot *snap)
{
	struct tm_acc_pool *p = &snap->tcp.pool;
	unsigned int i;

	tm_cg_free(&snap->tcp);
	kvfree(snap->tcp.netns);
	snap->tcp.netns = NULL;
	for (i = 0; i < p->nr_chunks; i++)
		kfree(p->chunk[i]);
	kvfree(p->chunk);
	memset(p, 0, sizeof(*p));
}
