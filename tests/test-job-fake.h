/* A scripted kernel for the job and range-move tests: the struct
 * nm_mig_sys seam answers pagemap, move_pages and migrate_pages from a
 * model of several processes' pages, built from the fixture's
 * /proc/PID/maps. A page of a MAP_SHARED or read-only file mapping is one
 * page of the file, the same in every process mapping it (keyed by inode
 * and file page); any other page belongs to its process. Every page
 * starts present on node 0. */
#ifndef NM_TEST_JOB_FAKE_H
#define NM_TEST_JOB_FAKE_H

#include <errno.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/migrator.h"
#include "numamig/procparse.h"
#include "numamig/root.h"

#define FK_PG 4096ul
#define FK_SLOTS (1u << 16)
#define FK_VMAS 64
#define FK_PROCS 8

struct fk_page {
	uint64_t key;         /* 0: free slot */
	int node;
	bool absent, busy, busy_once, lie;
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
};

static struct fk_proc *fk_proc(struct fake *f, pid_t pid)
{
	for (int i = 0; i < f->nprocs; i++)
		if (f->procs[i].pid == pid)
			return &f->procs[i];
	return NULL;
}

/* The page at ADDR of PID, created on node 0 if new; NULL outside VMAs. */
static struct fk_page *fk_page(struct fake *f, pid_t pid, unsigned long addr)
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

static bool fk_hidden(struct fake *f, pid_t pid, unsigned long addr)
{
	struct fk_proc *p = fk_proc(f, pid);

	return p && addr >= p->hide_start && addr < p->hide_end;
}

static long fk_move(void *ctx, pid_t pid, unsigned long n, void **pages, const int *nodes,
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
				status[i] = pg->node = nodes[i];
		}
		not_moved += status[i] < 0 || (pg && pg->lie);
	}
	return not_moved;
}

static long fk_migrate(void *ctx, pid_t pid, unsigned long maxnode, const unsigned long *from,
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

static int fk_pagemap(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
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
			       ? 0 : (1ull << 63) | (shared ? 0 : 1ull << 56);
	}
	return 0;
}

static bool fk_alive(void *ctx, const struct nm_proc *p)
{
	struct fake *f = ctx;
	struct fk_proc *fp = fk_proc(f, p->pid);

	if (!fp)
		return false;
	if (fp->die_after && fp->move_calls >= (unsigned)fp->die_after)
		fp->dead = true;
	return !fp->dead;
}

static uint64_t fk_now(void *ctx)
{
	(void)ctx;
	return 0;
}

/* Model PID from ROOT's proc/PID/maps. */
static void fk_add_proc(struct fake *f, const struct nm_root *root, pid_t pid)
{
	char rel[64], *text, *line, *save = NULL;
	struct fk_proc *p = &f->procs[f->nprocs++];

	p->pid = pid;
	snprintf(rel, sizeof(rel), "proc/%d/maps", (int)pid);
	if (nm_read_file_at(nm_root_fd(root), rel, 1 << 20, &text, NULL) < 0)
		abort();
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct nm_maps_line m;

		if (nm_maps_line_parse(line, &m) < 0 || p->n_vmas == FK_VMAS)
			continue;
		p->vmas[p->n_vmas++] = (struct fk_vma){
			.start = m.start, .end = m.end, .inode = m.inode, .offset = m.offset,
			.shared = m.inode && (m.perms[3] == 's' || m.perms[1] != 'w'),
		};
	}
	free(text);
}

static struct fake *fk_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	f->pages = calloc(FK_SLOTS, sizeof(*f->pages));
	f->full_node = -1;
	f->memless_node = -1;
	return f;
}

static void fk_free(struct fake *f)
{
	free(f->pages);
	free(f);
}

static struct nm_mig_sys fk_sys(struct fake *f)
{
	return (struct nm_mig_sys){ fk_move, fk_migrate, fk_pagemap, fk_alive, fk_now, f };
}

/* Pages of the model on NODE among [START, END) of PID. */
static unsigned long fk_count(struct fake *f, pid_t pid, unsigned long start, unsigned long end,
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
