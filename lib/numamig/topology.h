/* topology: the machine's NUMA layout, read from sysfs and /proc.
 *
 * Which nodes exist (ids may be sparse: 0-1,16-17), which have CPUs and
 * which have memory (a CXL expander is a node with memory and no CPU), the
 * CPU -> node map the residency sampler needs, the SLIT distance matrix, and
 * per-node memory with the zone watermarks the migrator checks before it
 * fills a node. Everything comes from a struct nm_root, so the same code
 * reads the live machine or a fixture tree captured from a real guest.
 */
#ifndef NUMAMIG_TOPOLOGY_H
#define NUMAMIG_TOPOLOGY_H

#include <numa.h>
#include <stdbool.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Memory of one node, in KiB. Watermarks are the sums over the node's
 * zones of /proc/zoneinfo's min/low/high: below "low" kswapd wakes, and a
 * migration that leaves a node under "high" makes it reclaim. */
struct nm_node_mem {
	unsigned long long total_kb;
	unsigned long long free_kb;
	unsigned long long wmark_min_kb;
	unsigned long long wmark_low_kb;
	unsigned long long wmark_high_kb;
};

/* The highest node id a kernel can have: MAX_NUMNODES - 1, with
 * CONFIG_NODES_SHIFT at most 10 on every architecture. nm_topo_load()
 * refuses (ERANGE) an online list beyond it. */
#define NM_TOPO_MAX_NODE 1023

struct nm_topology {
	struct bitmask *possible;   /* node ids the kernel could bring online */
	struct bitmask *online;     /* node ids online now */
	struct bitmask *has_cpu;    /* online nodes with CPUs */
	struct bitmask *has_memory; /* online nodes with memory */
	int max_node;               /* highest online node id, <= NM_TOPO_MAX_NODE */
	int nr_cpus;                /* highest possible CPU id + 1 */
	int *cpu_node;              /* [nr_cpus]: node of each CPU, -1 if none */
	struct bitmask **node_cpus; /* [max_node+1]: CPUs of each node (NULL if offline) */
	int *distance;              /* [(max_node+1)^2]: SLIT row-major, 0 if offline */
	struct nm_node_mem *mem;    /* [max_node+1]: memory of each node */
};

/* Read the topology under ROOT. Returns 0 or -errno: -ENODEV when the
 * kernel has no NUMA support (no sysfs node directory), -EINVAL when a
 * sysfs file is malformed. */
int nm_topo_load(const struct nm_root *root, struct nm_topology **out);

/* Re-read per-node free memory and watermarks, which change all the time. */
int nm_topo_refresh_mem(struct nm_topology *topo, const struct nm_root *root);

/* Distance from node A to node B, or -1 if either is not online. */
int nm_topo_distance(const struct nm_topology *topo, int a, int b);

/* Whether node N is online with memory and no CPUs: a slower tier (CXL,
 * persistent memory) that no task runs on. Inline: no new symbol in the
 * library's ABI. */
static inline bool nm_topo_memory_only(const struct nm_topology *topo, int n)
{
	return n >= 0 && n <= topo->max_node &&
	       numa_bitmask_isbitset(topo->has_memory, (unsigned)n) &&
	       !numa_bitmask_isbitset(topo->has_cpu, (unsigned)n);
}

/* How many such nodes there are. */
static inline int nm_topo_memory_only_nodes(const struct nm_topology *topo)
{
	int k = 0;

	for (int n = 0; n <= topo->max_node; n++)
		k += nm_topo_memory_only(topo, n);
	return k;
}

/* Node of CPU, or -1 when out of range or in no online node. */
int nm_topo_cpu_node(const struct nm_topology *topo, int cpu);

void nm_topo_free(struct nm_topology *topo);

#ifdef __cplusplus
}
#endif
#endif
