/* engine-shared: which tracked process moves the file pages that several
 * of them map. After a process's map is read, each of its shared rows
 * (mapmax > 1, under a policy whose max_mapcount lets shared pages move)
 * that another such process with another home maps in part, and that
 * this one does not dominate in CPU time, is taken out of its footprint
 * (verdict "sharer"): numamig/planner.h's nm_plan_sharer_yields decides.
 * The other process's rows are those of its own last map read; a row
 * held is looked at again at the next. */
#include "config.h"

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

static bool yields(const struct nm_engine *e, const struct nm_task *t,
		   const struct nm_plan_sharer *mine)
{
	struct nm_plan_sharer other;

	for (size_t k = 0; k < e->tracker.n; k++) {
		const struct nm_task *u = nm_task_of(e->tracker.v[k]);

		if (u == t || u->id.doomed)
			continue;
		for (size_t j = 0; j < u->fp.tab.n_vmas; j++)
			if (sharer_of(u, j, &other) &&
			    nm_plan_sharer_yields(mine, &other, t->id.policy->dominance_pct))
				return true;
	}
	return false;
}

void engine_shared_hold(const struct nm_engine *e, struct nm_task *t)
{
	struct nm_plan_sharer mine;

	for (size_t i = t->fp.tab.n_vmas; i-- > 0;)
		if (sharer_of(t, i, &mine) && yields(e, t, &mine))
			nm_fp_skip_row(&t->fp, i, NM_VERDICT_SHARER);
}
