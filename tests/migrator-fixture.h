/* migrator-fixture: the set-up the tests of the act stage share
 * (test-migrator.c, the moves; test-placement.c, the placement reads): one
 * process with one anonymous VMA on the scripted kernel (fake-kernel.h),
 * its footprint, a tuner and a request. */
#ifndef NUMAMIG_TESTS_MIGRATOR_FIXTURE_H
#define NUMAMIG_TESTS_MIGRATOR_FIXTURE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake-kernel.h"
#include "numamig/migrator.h"

#define PG FK_PG
#define BASE 0x200000ul /* 2 MiB aligned: huge pages fit */
#define PID 4242

/* The page I of the one VMA. */
#define AT(s, i) fk_page((s)->f, PID, BASE + (unsigned long)(i) * PG)

/* A footprint with one VMA [BASE, BASE + n pages) reported on node 0. */
static inline void one_vma(struct nm_footprint *fp, unsigned long n)
{
	static struct nm_map_vma vma;
	static struct nm_node_pages nodes[1];

	memset(fp, 0, sizeof(*fp));
	nodes[0] = (struct nm_node_pages){ 0, n };
	vma = (struct nm_map_vma){ .start = BASE, .end = BASE + n * PG, .page_kb = 4, .pages = n,
				  .first_node = 0, .nr_nodes = 1 };
	fp->tab.vmas = &vma;
	fp->tab.n_vmas = 1;
	fp->tab.nodes = nodes;
}

struct setup {
	struct fake *f;
	struct nm_mig_sys sys;
	struct nm_footprint fp;
	struct nm_tuner tuner;
	struct nm_proc proc;
	struct nm_mig_request req;
	struct nm_mig_result res;
};

static inline struct setup *setup(int pages)
{
	struct setup *s = calloc(1, sizeof(*s));

	s->f = fk_new();
	s->f->ns_per_page = 1000; /* 1 us per page */
	fk_add_anon(s->f, PID, BASE, BASE + (unsigned long)pages * PG);
	s->sys = fk_sys(s->f);
	one_vma(&s->fp, (unsigned long)pages);
	nm_tuner_init(&s->tuner, 64, 4096, 20 * 1000000ull);
	s->proc.pid = PID;
	s->req = (struct nm_mig_request){ .proc = &s->proc, .fp = &s->fp, .target = 1,
					  .max_mapcount = 1, .tuner = &s->tuner };
	return s;
}

static inline void teardown(struct setup *s)
{
	fk_free(s->f);
	free(s);
}

/* A placement read of one span: its err, its counts in ON and C. */
static inline int placement(struct setup *s, unsigned long start, unsigned long end,
		     unsigned long long *on, struct nm_walk_counts *c)
{
	struct nm_mig_span sp = { .start = start, .end = end, .on_node = on };

	ck_assert_int_eq(nm_mig_placement(&s->sys, &s->req, &sp, 1), 0);
	*c = sp.c;
	return sp.err;
}

#endif
