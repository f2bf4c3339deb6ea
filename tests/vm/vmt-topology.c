/* vmt-topology: in a test guest, check that libnumamig's topology module
 * reports exactly the topology QEMU was given.
 *
 * Usage: vmt-topology SPEC
 *
 * SPEC is written by tests/vm/run from the same values it passes to QEMU
 * (/etc/numamig-vm/topo in the guest):
 *     cpus <N>
 *     node <id> mem_mib <MiB> cpus <list|->
 *     dist <a> <b> <value>          (both directions; others: 10 / 20)
 * Every fact nm_topo_load() returns is compared with it: online, has_cpu,
 * has_memory, max_node, nr_cpus, each CPU's node, each node's CPUs, the
 * full distance matrix and each node's memory size. The same facts are
 * cross-checked against libnuma, which reads sysfs its own way. Prints one
 * line per fact and exits 1 on any mismatch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/root.h"
#include "numamig/set.h"
#include "numamig/topology.h"

#define MAXN 64

struct spec {
	int nr_cpus;
	int max_node;
	int present[MAXN];
	unsigned long mem_mib[MAXN];
	struct bitmask *cpus[MAXN];
	int dist[MAXN][MAXN];
};

static int failures;

static void check(int ok, const char *what, const char *got, const char *want)
{
	if (ok) {
		printf("ok   %s: %s\n", what, got);
	} else {
		printf("FAIL %s: got %s, want %s\n", what, got, want);
		failures++;
	}
}

static void check_int(const char *what, long got, long want)
{
	char g[32], w[32];

	snprintf(g, sizeof(g), "%ld", got);
	snprintf(w, sizeof(w), "%ld", want);
	check(got == want, what, g, w);
}

static void check_set(const char *what, const struct bitmask *got, const char *want)
{
	char g[256];

	if (!got)
		snprintf(g, sizeof(g), "(none)");
	else if (nm_set_format(got, g, sizeof(g)) < 0)
		snprintf(g, sizeof(g), "(too long)");
	check(strcmp(g, want) == 0, what, g, want);
}

static void read_spec(const char *path, struct spec *s)
{
	char line[256], list[128];
	FILE *f = fopen(path, "r");
	int a, b, v;
	unsigned long mib;

	if (!f) {
		fprintf(stderr, "vmt-topology: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	memset(s, 0, sizeof(*s));
	s->max_node = -1;
	for (a = 0; a < MAXN; a++)
		for (b = 0; b < MAXN; b++)
			s->dist[a][b] = a == b ? 10 : 20; /* the ACPI SLIT defaults */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "cpus %d", &v) == 1) {
			s->nr_cpus = v;
		} else if (sscanf(line, "node %d mem_mib %lu cpus %127s", &a, &mib, list) == 3 &&
			   a >= 0 && a < MAXN) {
			s->present[a] = 1;
			s->mem_mib[a] = mib;
			s->cpus[a] = nm_set_parse_list(strcmp(list, "-") ? list : "", 0);
			if (!s->cpus[a]) {
				fprintf(stderr, "vmt-topology: bad cpu list '%s'\n", list);
				exit(2);
			}
			if (a > s->max_node)
				s->max_node = a;
		} else if (sscanf(line, "dist %d %d %d", &a, &b, &v) == 3 && a >= 0 && a < MAXN &&
			   b >= 0 && b < MAXN) {
			s->dist[a][b] = s->dist[b][a] = v;
		}
	}
	fclose(f);
	if (s->max_node < 0 || s->nr_cpus <= 0) {
		fprintf(stderr, "vmt-topology: %s: no nodes or cpus\n", path);
		exit(2);
	}
}

/* The list text of the nodes in SPEC for which PRED holds. */
static void spec_nodes(const struct spec *s, int (*pred)(const struct spec *, int), char *buf,
		       size_t size)
{
	struct bitmask *m = numa_bitmask_alloc(MAXN);

	for (int n = 0; n <= s->max_node; n++)
		if (s->present[n] && pred(s, n))
			numa_bitmask_setbit(m, n);
	nm_set_format(m, buf, size);
	numa_bitmask_free(m);
}

static int any(const struct spec *s, int n) { (void)s; (void)n; return 1; }
static int with_cpu(const struct spec *s, int n) { return numa_bitmask_weight(s->cpus[n]) > 0; }
static int with_mem(const struct spec *s, int n) { return s->mem_mib[n] > 0; }

static int spec_cpu_node(const struct spec *s, int cpu)
{
	for (int n = 0; n <= s->max_node; n++)
		if (s->present[n] && (unsigned)cpu < s->cpus[n]->size &&
		    numa_bitmask_isbitset(s->cpus[n], cpu))
			return n;
	return -1;
}

int main(int argc, char **argv)
{
	struct spec s;
	struct nm_root *root;
	struct nm_topology *t;
	char want[256], what[64], got[64], exp[64];
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: vmt-topology SPEC\n");
		return 2;
	}
	read_spec(argv[1], &s);
	r = nm_root_open("/", &root);
	if (r == 0)
		r = nm_topo_load(root, &t);
	if (r < 0) {
		printf("FAIL nm_topo_load: %s\n", strerror(-r));
		return 1;
	}

	spec_nodes(&s, any, want, sizeof(want));
	check_set("online", t->online, want);
	spec_nodes(&s, with_cpu, want, sizeof(want));
	check_set("has_cpu", t->has_cpu, want);
	spec_nodes(&s, with_mem, want, sizeof(want));
	check_set("has_memory", t->has_memory, want);
	/* QEMU builds the SRAT from exactly these nodes: nothing else is
	 * possible (the kernel would list hot-pluggable nodes here). */
	spec_nodes(&s, any, want, sizeof(want));
	check_set("possible", t->possible, want);
	check_int("max_node", t->max_node, s.max_node);
	check_int("nr_cpus", t->nr_cpus, s.nr_cpus);

	for (int cpu = 0; cpu < s.nr_cpus; cpu++) {
		snprintf(what, sizeof(what), "cpu %d node", cpu);
		check_int(what, nm_topo_cpu_node(t, cpu), spec_cpu_node(&s, cpu));
		snprintf(what, sizeof(what), "cpu %d node (libnuma)", cpu);
		check_int(what, numa_node_of_cpu(cpu), spec_cpu_node(&s, cpu));
	}
	check_int("cpu nr_cpus node (out of range)", nm_topo_cpu_node(t, s.nr_cpus), -1);

	for (int n = 0; n <= s.max_node; n++) {
		const struct nm_node_mem *m = &t->mem[n];
		unsigned long long want_kb = s.mem_mib[n] * 1024ULL;
		char list[128];

		snprintf(what, sizeof(what), "node %d cpus", n);
		nm_set_format(s.cpus[n], list, sizeof(list));
		check_set(what, t->node_cpus[n], list);

		/* The guest sees less than QEMU gave the node: firmware and the
		 * kernel reserve some (most on node 0: kernel image, memmap).
		 * Half is a loose floor that still catches a wrong node. */
		snprintf(what, sizeof(what), "node %d total_kb", n);
		snprintf(got, sizeof(got), "%llu", m->total_kb);
		snprintf(exp, sizeof(exp), "%s%llu", want_kb ? "(0.5..1]x" : "", want_kb);
		check(want_kb ? m->total_kb > want_kb / 2 && m->total_kb <= want_kb
			      : m->total_kb == 0,
		      what, got, exp);
		snprintf(what, sizeof(what), "node %d free <= total, min <= low <= high", n);
		snprintf(got, sizeof(got), "%llu/%llu %llu/%llu/%llu", m->free_kb, m->total_kb,
			 m->wmark_min_kb, m->wmark_low_kb, m->wmark_high_kb);
		check(m->free_kb <= m->total_kb && m->wmark_min_kb <= m->wmark_low_kb &&
			      m->wmark_low_kb <= m->wmark_high_kb && (!want_kb || m->wmark_high_kb),
		      what, got, "ordered, high > 0 on a node with memory");

		for (int to = 0; to <= s.max_node; to++) {
			snprintf(what, sizeof(what), "distance %d->%d", n, to);
			check_int(what, nm_topo_distance(t, n, to), s.dist[n][to]);
			snprintf(what, sizeof(what), "distance %d->%d (libnuma)", n, to);
			check_int(what, numa_distance(n, to), s.dist[n][to]);
		}
	}
	check_int("distance to a node that is not online", nm_topo_distance(t, 0, s.max_node + 1),
		  -1);

	nm_topo_free(t);
	nm_root_free(root);
	printf("%s: %d mismatch(es)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
