/* topology: the machine's NUMA layout. See numamig/topology.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/set.h"
#include "numamig/topology.h"
#include "numamig/file.h"
#include "base/api.h"

#define NODE_DIR "sys/devices/system/node"
/* Small sysfs files are a few hundred bytes; zoneinfo grows with nodes and
 * CPUs (per-CPU pagesets) but stays far under this. */
#define SMALL_FILE_MAX (64 * 1024)
#define ZONEINFO_MAX (16 * 1024 * 1024)

static struct bitmask *read_set(const struct nm_root *root, const char *path, int *err)
{
	struct bitmask *set = NULL;
	char *text;
	int r = nm_read_file_at(nm_root_fd(root), path, SMALL_FILE_MAX, &text, NULL);

	if (r == 0) {
		set = nm_set_parse_list(text, NM_SET_MAX_ID + 1);
		r = set ? 0 : -errno;
		free(text);
	}
	*err = r;
	return set;
}

/* nodeN/distance holds one distance per online node, in id order. */
static int read_distances(struct nm_topology *t, const struct nm_root *root, int node)
{
	char path[128], *text, *p, *end;
	int n = t->max_node + 1, r;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/distance", node);
	r = nm_read_file_at(nm_root_fd(root), path, SMALL_FILE_MAX, &text, NULL);
	if (r < 0)
		return r;
	p = text;
	for (int to = nm_set_next(t->online, 0); to >= 0; to = nm_set_next(t->online, to + 1)) {
		long d = strtol(p, &end, 10);

		if (end == p || d <= 0 || d > 255) {
			r = -EINVAL;
			break;
		}
		t->distance[node * n + to] = (int)d;
		p = end;
	}
	if (r == 0 && strspn(p, " \n") != strlen(p))
		r = -EINVAL; /* more entries than online nodes */
	free(text);
	return r;
}

static int read_node_cpus(struct nm_topology *t, const struct nm_root *root, int node)
{
	char path[128];
	int r;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/cpulist", node);
	t->node_cpus[node] = read_set(root, path, &r);
	if (r < 0)
		return r;
	for (int cpu = nm_set_next(t->node_cpus[node], 0); cpu >= 0;
	     cpu = nm_set_next(t->node_cpus[node], cpu + 1))
		if (cpu < t->nr_cpus)
			t->cpu_node[cpu] = node;
	return 0;
}

static int alloc_tables(struct nm_topology *t, const struct nm_root *root)
{
	struct bitmask *cpus;
	int r, n = t->max_node + 1;

	cpus = read_set(root, "sys/devices/system/cpu/possible", &r);
	if (!cpus)
		return r;
	t->nr_cpus = nm_set_last(cpus) + 1;
	numa_bitmask_free(cpus);
	t->cpu_node = malloc(sizeof(int) * (size_t)(t->nr_cpus > 0 ? t->nr_cpus : 1));
	t->node_cpus = calloc((size_t)n, sizeof(*t->node_cpus));
	t->distance = calloc((size_t)n * (size_t)n, sizeof(int));
	t->mem = calloc((size_t)n, sizeof(*t->mem));
	if (!t->cpu_node || !t->node_cpus || !t->distance || !t->mem)
		return -ENOMEM;
	for (int i = 0; i < t->nr_cpus; i++)
		t->cpu_node[i] = -1;
	return 0;
}

static int read_sets(struct nm_topology *t, const struct nm_root *root)
{
	int r;

	if (!(t->online = read_set(root, NODE_DIR "/online", &r)))
		return r == -ENOENT ? -ENODEV : r;
	if (!(t->possible = read_set(root, NODE_DIR "/possible", &r)) ||
	    !(t->has_cpu = read_set(root, NODE_DIR "/has_cpu", &r)) ||
	    !(t->has_memory = read_set(root, NODE_DIR "/has_memory", &r)))
		return r;
	t->max_node = nm_set_last(t->online);
	/* Tables are sized by the highest id (distances squared): a corrupt
	 * list naming node 8191 would cost 256 MiB, so refuse what no kernel
	 * can have. */
	if (t->max_node > NM_TOPO_MAX_NODE)
		return -ERANGE;
	return t->max_node < 0 ? -EINVAL : 0;
}

static int read_nodes(struct nm_topology *t, const struct nm_root *root)
{
	int r = 0;

	for (int node = nm_set_next(t->online, 0); r == 0 && node >= 0;
	     node = nm_set_next(t->online, node + 1)) {
		r = read_node_cpus(t, root, node);
		if (r == 0)
			r = read_distances(t, root, node);
	}
	return r;
}

NM_API int nm_topo_load(const struct nm_root *root, struct nm_topology **out)
{
	struct nm_topology *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	r = read_sets(t, root);
	if (r == 0)
		r = alloc_tables(t, root);
	if (r == 0)
		r = read_nodes(t, root);
	if (r == 0)
		r = nm_topo_refresh_mem(t, root);
	if (r < 0) {
		nm_topo_free(t);
		return r;
	}
	*out = t;
	return 0;
}

/* "Node 0 MemTotal:  262144 kB" lines of nodeN/meminfo. */
static int read_node_meminfo(struct nm_node_mem *m, const struct nm_root *root, int node)
{
	char path[128], *text, *line, *save = NULL;
	int r, seen = 0;

	snprintf(path, sizeof(path), NODE_DIR "/node%d/meminfo", node);
	r = nm_read_file_at(nm_root_fd(root), path, SMALL_FILE_MAX, &text, NULL);
	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[64];
		unsigned long long kb;
		int id;

		if (sscanf(line, "Node %d %63s %llu", &id, key, &kb) != 3 || id != node)
			continue;
		if (strcmp(key, "MemTotal:") == 0)
			m->total_kb = kb, seen |= 1;
		else if (strcmp(key, "MemFree:") == 0)
			m->free_kb = kb, seen |= 2;
	}
	free(text);
	return seen == 3 ? 0 : -EINVAL;
}

/* Sum the min/low/high watermarks (in pages) of every zone of every node.
 * Zone headers read "Node 0, zone   Normal"; the per-CPU "high:" lines of
 * the pagesets carry a colon and so never match the bare "high" key. */
static void parse_zoneinfo(struct nm_topology *t, char *text)
{
	unsigned long long kb_per_page = (unsigned long long)sysconf(_SC_PAGESIZE) / 1024;
	char *line, *save = NULL;
	int node = -1;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char key[32];
		unsigned long long pages;
		struct nm_node_mem *m;

		if (sscanf(line, "Node %d, zone", &node) == 1)
			continue;
		if (node < 0 || node > t->max_node || sscanf(line, " %31s %llu", key, &pages) != 2)
			continue;
		m = &t->mem[node];
		if (strcmp(key, "min") == 0)
			m->wmark_min_kb += pages * kb_per_page;
		else if (strcmp(key, "low") == 0)
			m->wmark_low_kb += pages * kb_per_page;
		else if (strcmp(key, "high") == 0)
			m->wmark_high_kb += pages * kb_per_page;
	}
}

NM_API int nm_topo_refresh_mem(struct nm_topology *t, const struct nm_root *root)
{
	char *zoneinfo;
	int r;

	for (int node = 0; node <= t->max_node; node++) {
		t->mem[node] = (struct nm_node_mem){ 0 };
		if (!numa_bitmask_isbitset(t->online, (unsigned)node))
			continue;
		r = read_node_meminfo(&t->mem[node], root, node);
		if (r < 0)
			return r;
	}
	r = nm_read_file_at(nm_root_fd(root), "proc/zoneinfo", ZONEINFO_MAX, &zoneinfo, NULL);
	if (r < 0)
		return r;
	parse_zoneinfo(t, zoneinfo);
	free(zoneinfo);
	return 0;
}

NM_API int nm_topo_distance(const struct nm_topology *t, int a, int b)
{
	if (a < 0 || b < 0 || a > t->max_node || b > t->max_node ||
	    !numa_bitmask_isbitset(t->online, (unsigned)a) ||
	    !numa_bitmask_isbitset(t->online, (unsigned)b))
		return -1;
	return t->distance[a * (t->max_node + 1) + b];
}

NM_API int nm_topo_cpu_node(const struct nm_topology *t, int cpu)
{
	return cpu >= 0 && cpu < t->nr_cpus ? t->cpu_node[cpu] : -1;
}

NM_API void nm_topo_free(struct nm_topology *t)
{
	if (!t)
		return;
	if (t->node_cpus)
		for (int i = 0; i <= t->max_node; i++)
			if (t->node_cpus[i])
				numa_bitmask_free(t->node_cpus[i]);
	if (t->online)
		numa_bitmask_free(t->online);
	if (t->possible)
		numa_bitmask_free(t->possible);
	if (t->has_cpu)
		numa_bitmask_free(t->has_cpu);
	if (t->has_memory)
		numa_bitmask_free(t->has_memory);
	free(t->node_cpus);
	free(t->cpu_node);
	free(t->distance);
	free(t->mem);
	free(t);
}
