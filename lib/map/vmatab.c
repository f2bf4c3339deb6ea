/* vmatab: numa_maps joined with /proc/PID/maps. See numamig/vmatab.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "numamig/procfs.h"
#include "numamig/procparse.h"
#include "numamig/vmatab.h"

int nm_vmatab_add(struct nm_vmatab *t, const struct nm_vma *v)
{
	size_t nn = (size_t)v->nr_nodes;

	if (array_grow((void **)&t->vmas, &t->cap_vmas, t->n_vmas + 1, sizeof(*t->vmas)) ||
	    array_grow((void **)&t->nodes, &t->cap_nodes, t->n_nodes + nn, sizeof(*t->nodes)))
		return -ENOMEM;
	t->vmas[t->n_vmas++] = (struct nm_map_vma){
		.start = v->start, .page_kb = v->kernelpagesize_kb, .pages = v->pages,
		.anon = v->anon, .mapmax = v->mapmax, .huge = v->huge,
		.file = v->kind == NM_VMA_FILE,
		.first_node = (uint32_t)t->n_nodes, .nr_nodes = (uint32_t)nn,
	};
	memcpy(t->nodes + t->n_nodes, v->nodes, sizeof(*v->nodes) * nn);
	t->n_nodes += nn;
	return 0;
}

struct join {
	struct nm_vmatab *t;
	bool with_files;
	size_t i, kept;
	int err;
};

static int join_line(const struct nm_pidmaps_line *m, void *arg)
{
	struct join *j = arg;
	struct nm_map_file *f;

	while (j->i < j->t->n_vmas && j->t->vmas[j->i].start < m->start)
		j->i++; /* gone from maps */
	if (j->i == j->t->n_vmas || j->t->vmas[j->i].start != m->start)
		return j->i < j->t->n_vmas ? 0 : 1;
	j->t->vmas[j->kept] = j->t->vmas[j->i++];
	j->t->vmas[j->kept].end = m->end;
	if (j->with_files) {
		f = &j->t->files[j->kept];
		*f = (struct nm_map_file){ .dev_major = m->dev_major, .dev_minor = m->dev_minor,
					   .inode = m->inode, .offset = m->offset };
		memcpy(f->perms, m->perms, sizeof(f->perms));
		if (m->path[0] && !(f->path = strdup(m->path))) {
			j->err = -ENOMEM;
			return 1;
		}
	}
	j->kept++;
	return j->i < j->t->n_vmas ? 0 : 1;
}

/* Both lists are in address order, so one merge pass suffices. */
int nm_vmatab_join_maps(const struct nm_proc *p, struct nm_vmatab *t, bool with_files)
{
	struct join j = { .t = t, .with_files = with_files };
	int r;

	if (with_files) {
		if (array_grow((void **)&t->files, &t->cap_files, t->n_vmas ? t->n_vmas : 1,
			       sizeof(*t->files)))
			return -ENOMEM;
		memset(t->files, 0, t->cap_files * sizeof(*t->files));
	}
	r = t->n_vmas ? nm_pidmaps_read(p, join_line, &j) : 0;
	/* Rows past the last one joined were not in maps: dropped. */
	t->n_vmas = j.kept;
	return r < 0 ? r : j.err;
}

unsigned long nm_vmatab_pages_on(const struct nm_vmatab *t, const struct nm_map_vma *v, int node)
{
	for (size_t i = 0; i < v->nr_nodes; i++)
		if (t->nodes[v->first_node + i].node == node)
			return t->nodes[v->first_node + i].pages;
	return 0;
}

void nm_vmatab_clear(struct nm_vmatab *t)
{
	/* Rows dropped by a join never got a path: NULL (zeroed) there. */
	for (size_t i = 0; t->files && i < t->cap_files; i++) {
		free(t->files[i].path);
		t->files[i].path = NULL;
	}
	t->n_vmas = 0;
	t->n_nodes = 0;
}

void nm_vmatab_free(struct nm_vmatab *t)
{
	nm_vmatab_clear(t);
	free(t->vmas);
	free(t->files);
	free(t->nodes);
	memset(t, 0, sizeof(*t));
}
