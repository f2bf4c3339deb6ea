/* engine-shared: which tracked process moves the file pages that several
 * of them map. After a process's map is read, each of its shared rows
 * (mapmax > 1, under a policy whose max_mapcount lets shared pages move)
 * that another such process with another home maps in part, and that
 * this one does not dominate in CPU time, is taken out of its footprint
 * (verdict "sharer"): numamig/planner.h's nm_plan_sharer_yields decides.
 * The other process's rows are those of its own last map read; a row
 * held is looked at again at the next. */
#include "config.h"

#include <stdlib.h>

#include "engine-internal.h"

/* Row I of T as a sharer; false when it is not a shared file row. */
static bool sharer_of(const struct nm_task *t, size_t i, struct nm_plan_sharer *s)
{
	const struct nm_vmatab *tab = &t->fp.tab;
	const struct nm_map_vma *v = &tab->vmas[i];
	const struct nm_map_file *f;

	/* Rows are joined with their files only when one is shared. Under
	 * max_mapcount 1 a shared row's eligible pages are its private
	 * copies: no one else's. */
	if (v->mapmax <= 1 || !tab->files || !t->id.policy || t->id.policy->max_mapcount <= 1)
		return false;
	f = &tab->files[i];
	*s = (struct nm_plan_sharer){
		.dev_major = f->dev_major, .dev_minor = f->dev_minor, .inode = f->inode,
		.offset = f->offset, .bytes = v->end - v->start,
		.home = t->last.home, .cpu_ns = t->res.total_ns,
	};
	return f->inode != 0;
}

/* T's shared rows in file order (*N of them; NULL: none, or no memory,
 * in which case nothing is held and the rows move as they would without
 * the rule). */
static struct nm_plan_sharer *shared_rows(const struct nm_task *t, size_t *n)
{
	struct nm_plan_sharer *v = NULL;

	*n = 0;
	for (size_t i = 0; i < t->fp.tab.n_vmas; i++) {
		struct nm_plan_sharer s;

		if (!sharer_of(t, i, &s))
			continue;
		if (!v && !(v = malloc(t->fp.tab.n_vmas * sizeof(*v))))
			return NULL;
		s.row = i;
		v[(*n)++] = s;
	}
	if (v)
		qsort(v, *n, sizeof(*v), nm_plan_sharer_cmp);
	return v;
}

/* Every other tracked process's shared rows are met once: linear in
 * them (a policy with max_mapcount above 1 over many processes gives each
 * dozens of shared library rows). */
void engine_shared_hold(const struct nm_engine *e, struct nm_task *t)
{
	size_t n;
	struct nm_plan_sharer *mine = shared_rows(t, &n), other;
	bool *yield = mine ? calloc(n, sizeof(*yield)) : NULL;
	bool *drop = yield ? calloc(t->fp.tab.n_vmas, sizeof(*drop)) : NULL;

	for (size_t k = 0; drop && k < e->tracker.n; k++) {
		const struct nm_task *u = nm_task_of(e->tracker.v[k]);

		if (u == t || u->id.doomed)
			continue;
		for (size_t j = 0; j < u->fp.tab.n_vmas; j++)
			if (sharer_of(u, j, &other))
				nm_plan_sharers_meet(mine, n, &other, t->id.policy->dominance_pct,
						     yield);
	}
	for (size_t i = 0; drop && i < n; i++)
		drop[mine[i].row] = yield[i];
	/* From the last row: taking one out moves those after it. */
	for (size_t i = t->fp.tab.n_vmas; drop && i-- > 0;)
		if (drop[i])
			nm_fp_skip_row(&t->fp, i, NM_VERDICT_SHARER);
	free(drop);
	free(yield);
	free(mine);
}
