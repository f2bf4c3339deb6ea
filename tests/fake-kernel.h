/* The one scripted kernel of the unit tests: the struct nm_mig_sys seam
 * (numamig/migrator.h) answers pagemap, kpageflags, move_pages and
 * migrate_pages from a model of several processes' pages, built from a
 * fixture's /proc/PID/maps (fk_add_proc) or VMA by VMA (fk_add_anon). A
 * page of a MAP_SHARED or read-only file mapping is one page of the file,
 * the same in every process mapping it (keyed by inode and file page); any
 * other page belongs to its process. Every page starts present on node 0.
 * A page's frame number is its address's page number plus one, so an
 * aligned run of 512 looks contiguous; fk_thp() makes one a huge page
 * (kpageflags says THP on its head, and moving the head moves the run).
 * That pages really move is tested in the VM. */
#ifndef NM_TEST_FAKE_KERNEL_H
#define NM_TEST_FAKE_KERNEL_H

#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/migrator.h"
#include "numamig/procparse.h"
#include "numamig/root.h"
#include "numamig/file.h"

#define FK_PG 4096ul
#define FK_SLOTS (1u << 16)
#define FK_VMAS 64
#define FK_PROCS 8

struct fk_page {
	uint64_t key;         /* 0: free slot */
	int node;
	bool absent, busy, busy_once, lie;
	bool mapped_twice;    /* pagemap says not exclusive */
	bool thp;             /* the head of a 512-page huge page */
	unsigned requested;   /* times passed to a moving move_pages */
};

struct fk_vma {
	unsigned long start, end;
	unsigned long long inode, offset;
	bool shared;          /* a page of the file, not of the process */
};

struct fk_proc {
	pid_t pid;
	struct fk_vma vmas[FK_VMAS];
	int n_vmas;
	unsigned move_calls, query_calls, migrate_calls;
	int call_errno;       /* the next moving call fails with this */
	int die_after;        /* not alive once move_calls reaches this (0: never) */
	bool exit_on_error;   /* a failing call is the process exiting */
	unsigned long hide_start, hide_end; /* not in this process's page tables */
	bool dead;
};

struct fake {
	struct fk_page *pages;
	struct fk_proc procs[FK_PROCS];
	int nprocs;
	int full_node;        /* moves there get -ENOMEM */
	int memless_node;     /* moves there fail ENODEV at call level */
	unsigned move_all_calls, move_calls;
	unsigned long long requested;
	int last_migrate_from, last_migrate_to;
	bool last_migrate_shared;
	unsigned stop_after_calls; /* the daemon stops after this many moves (0: never) */
	struct nm_progress *cancel; /* if set, cancelled then instead (an operator's cancel) */
	uint64_t now, ns_per_page; /* the clock, and what a page's move costs */
	bool no_kpageflags;   /* kpageflags reads fail (unprivileged) */
};

static inline struct fk_proc *fk_proc(struct fake *f, pid_t pid)
{
	for (int i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == pid)
			return &f->procs[i];
	return NULL;
}

/* The page at ADDR of PID, created on node 0 if new; NULL outside VMAs. */
static inline struct fk_page *fk_page(struct fake *f, pid_t pid, unsigned long addr)
{
	struct fk_proc *p = fk_proc(f, pid);
	uint64_t key = 0, h;

	for (int i = 0; p && i < p->n_vmas && !key; i++) {
		const struct fk_vma *v = &p->vmas[i];

		if (addr < v->start || addr >= v->end)
			continue;
		if (v->shared)
			key = (1ull << 63) | (v->inode << 32) | ((v->offset + addr - v->start) / FK_PG);
		else
			key = (1ull << 62) | ((uint64_t)pid << 40) | (addr / FK_PG);
	}
	if (!key)
		return NULL;
	h = (key * 0x9E3779B97F4A7C15ull) >> 48;
	for (;; h = (h + 1) % FK_SLOTS) {
		struct fk_page *pg = &f->pages[h];

		if (pg->key == key)
			return pg;
		if (pg->key == 0) {
			pg->key = key;
			pg->node = 0;
			return pg;
		}
	}
}

static inline bool fk_hidden(struct fake *f, pid_t pid, unsigned long addr)
{
	struct fk_proc *p = fk_proc(f, pid);

	return p && addr >= p->hide_start && addr < p->hide_end;
}

/* Move the page at ADDR (a huge page's head: the whole run) to NODE. */
static inline int fk_set_node(struct fake *f, pid_t pid, unsigned long addr, int node)
{
	struct fk_page *pg = fk_page(f, pid, addr);
	unsigned n = pg->thp ? 512 : 1;

	for (unsigned i = 0; i < n; i++)
		fk_page(f, pid, addr + i * FK_PG)->node = node;
	return node;
}

static inline long fk_move(void *ctx, pid_t pid, unsigned long n, void **pages, const int *nodes,
		    int *status, int flags)
{
	struct fake *f = ctx;
	struct fk_proc *p = fk_proc(f, pid);
	long not_moved = 0;

	if (!p || p->dead) {
		errno = ESRCH;
		return -1;
	}
	if (!nodes) {
		p->query_calls++;
		for (unsigned long i = 0; i < n; i++) {
			struct fk_page *pg = fk_page(f, pid, (unsigned long)pages[i]);

			status[i] = !pg ? -EFAULT
				    : pg->absent || fk_hidden(f, pid, (unsigned long)pages[i]) ? -ENOENT
				    : pg->node;
		}
		return 0;
	}
	if (p->call_errno) {
		p->dead = p->exit_on_error;
		errno = p->call_errno;
		return -1;
	}
	for (unsigned long i = 0; i < n; i++)
		if (nodes[i] == f->memless_node) {
			errno = ENODEV;
			return -1;
		}
	p->move_calls++;
	f->move_calls++;
	f->now += n * f->ns_per_page;
	f->move_all_calls += (flags & MPOL_MF_MOVE_ALL) != 0;
	for (unsigned long i = 0; i < n; i++) {
		struct fk_page *pg = fk_page(f, pid, (unsigned long)pages[i]);

		f->requested++;
		if (!pg) {
			status[i] = -EFAULT;
		} else if (fk_hidden(f, pid, (unsigned long)pages[i])) {
			status[i] = -ENOENT;
		} else {
			pg->requested++;
			if (pg->absent)
				status[i] = -ENOENT;
			else if (pg->busy)
				status[i] = -EBUSY;
			else if (pg->busy_once && !(pg->busy_once = false))
				status[i] = -EBUSY;
			else if (nodes[i] == f->full_node)
				status[i] = -ENOMEM;
			else if (pg->lie)
				status[i] = nodes[i];
			else
				status[i] = fk_set_node(f, pid, (unsigned long)pages[i], nodes[i]);
		}
		not_moved += status[i] < 0 || (pg && pg->lie);
	}
	if (f->stop_after_calls && f->move_calls == f->stop_after_calls) {
		if (f->cancel)
			nm_progress_cancel(f->cancel);
		else
			nm_mig_set_stopping(true); /* SIGTERM while this call runs */
	}
	return not_moved;
}

static inline long fk_migrate(void *ctx, pid_t pid, unsigned long maxnode, const unsigned long *from,
		       const unsigned long *to, bool shared)
{
	struct fake *f = ctx;
	struct fk_proc *p = fk_proc(f, pid);

	(void)maxnode;
	if (!p || p->dead) {
		errno = ESRCH;
		return -1;
	}
	p->migrate_calls++;
	f->last_migrate_from = (int)from[0];
	f->last_migrate_to = (int)to[0];
	f->last_migrate_shared = shared;
	return 3;
}

static inline int fk_pagemap(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
		      uint64_t *e)
{
	struct fake *f = ctx;
	struct fk_proc *fp = fk_proc(f, p->pid);

	if (!fp || fp->dead)
		return -ESRCH;
	for (size_t i = 0; i < n; i++) {
		unsigned long addr = start + i * FK_PG;
		struct fk_page *pg = fk_page(f, p->pid, addr);
		bool shared = pg && (pg->key >> 63);

		e[i] = !pg || pg->absent || fk_hidden(f, p->pid, addr)
			       ? 0 : (1ull << 63) | (shared || pg->mapped_twice ? 0 : 1ull << 56) |
					     (addr / FK_PG + 1);
	}
	return 0;
}

static inline int fk_kpageflags(void *ctx, uint64_t pfn, uint64_t *flags)
{
	struct fake *f = ctx;

	if (f->no_kpageflags)
		return -EPERM;
	*flags = 0;
	for (int i = 0; i < f->nprocs; i++) {
		struct fk_page *pg = fk_page(f, f->procs[i].pid, (pfn - 1) * FK_PG);

		if (pg && pg->thp)
			*flags = (1ull << 22) | (1ull << 15); /* KPF_THP, KPF_COMPOUND_HEAD */
	}
	return 0;
}

static inline bool fk_alive(void *ctx, const struct nm_proc *p)
{
	struct fake *f = ctx;
	struct fk_proc *fp = fk_proc(f, p->pid);

	if (!fp)
		return false;
	if (fp->die_after && fp->move_calls >= (unsigned)fp->die_after)
		fp->dead = true;
	return !fp->dead;
}

static inline uint64_t fk_now(void *ctx)
{
	return ((struct fake *)ctx)->now;
}

/* Model PID with one private anonymous VMA [START, END). */
static inline void fk_add_anon(struct fake *f, pid_t pid, unsigned long start, unsigned long end)
{
	struct fk_proc *p = fk_proc(f, pid);

	if (!p) {
		p = &f->procs[f->nprocs++];
		p->pid = pid;
	}
	p->vmas[p->n_vmas++] = (struct fk_vma){ .start = start, .end = end };
}

/* Make the 512 pages at ADDR (2 MiB aligned) of PID one huge page. */
static inline void fk_thp(struct fake *f, pid_t pid, unsigned long addr)
{
	fk_page(f, pid, addr)->thp = true;
}

/* Model PID from ROOT's proc/PID/maps. */
static inline void fk_add_proc(struct fake *f, const struct nm_root *root, pid_t pid)
{
	char rel[64], *text, *line, *save = NULL;
	struct fk_proc *p = &f->procs[f->nprocs++];

	p->pid = pid;
	snprintf(rel, sizeof(rel), "proc/%d/maps", (int)pid);
	if (nm_read_file_at(nm_root_fd(root), rel, 1 << 20, &text, NULL) < 0)
		abort();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct nm_pidmaps_line m;

		if (nm_pidmaps_parse_line(line, &m) < 0 || p->n_vmas == FK_VMAS)
			continue;
		p->vmas[p->n_vmas++] = (struct fk_vma){
			.start = m.start, .end = m.end, .inode = m.inode, .offset = m.offset,
			.shared = m.inode && (m.perms[3] == 's' || m.perms[1] != 'w'),
		};
	}
	free(text);
}

static inline struct fake *fk_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->pages = calloc(FK_SLOTS, sizeof(*f->pages));
	f->full_node = -1;
	f->memless_node = -1;
	return f;
}

static inline void fk_free(struct fake *f)
{
	free(f->pages);
	free(f);
}

static inline struct nm_mig_sys fk_sys(struct fake *f)
{
	return (struct nm_mig_sys){ .move_pages = fk_move, .migrate_pages = fk_migrate,
				    .pagemap = fk_pagemap, .kpageflags = fk_kpageflags,
				    .alive = fk_alive, .now_ns = fk_now, .ctx = f };
}

/* Pages of the model on NODE among [START, END) of PID. */
static inline unsigned long fk_count(struct fake *f, pid_t pid, unsigned long start, unsigned long end,
			      int node)
{
	unsigned long n = 0;

	for (unsigned long a = start; a < end; a += FK_PG) {
		struct fk_page *pg = fk_page(f, pid, a);

		n += pg && !pg->absent && pg->node == node;
	}
	return n;
}

#endif
