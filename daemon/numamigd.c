/* numamigd: command line entry point of the NUMA balancing daemon.
 *
 * Wiring only: argument parsing and the calls into libnumamig. The
 * balancing loop (sample -> map -> plan -> act -> account) lands here as it
 * is built; until then the binary answers --help, --version and
 * --print-topology, and refuses to pretend to balance anything.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/set.h"
#include "numamig/topology.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: numamigd [OPTION]...\n"
		"Userspace NUMA balancing daemon: moves a task's memory to the node it runs on.\n"
		"\n"
		"  -T, --print-topology  print the NUMA topology as numamigd sees it and exit\n"
		"      --root=DIR        read /proc and /sys under DIR instead of / (for\n"
		"                        inspecting a captured tree)\n"
		"  -h, --help            show this help and exit\n"
		"  -V, --version         show the version and exit\n"
		"\n"
		"This build has no balancing loop yet: without -T it exits with status 2.\n");
}

static void print_node(const struct nm_topology *t, int node)
{
	const struct nm_node_mem *m = &t->mem[node];
	char cpus[256];

	if (nm_set_format(t->node_cpus[node], cpus, sizeof(cpus)) < 0)
		strcpy(cpus, "...");
	printf("%-5d %-12s %10llu %10llu %10llu %10llu ", node, *cpus ? cpus : "-",
	       m->total_kb / 1024, m->free_kb / 1024, m->wmark_low_kb / 1024,
	       m->wmark_high_kb / 1024);
	for (int to = nm_set_next(t->online, 0); to >= 0; to = nm_set_next(t->online, to + 1))
		printf(" %3d", nm_topo_distance(t, node, to));
	printf("\n");
}

static int print_topology(const char *rootdir)
{
	struct nm_topology *t;
	struct nm_root *root;
	char online[256], cpu[256], mem[256];
	int r;

	r = nm_root_open(rootdir, &root);
	if (r == 0) {
		r = nm_topo_load(root, &t);
		nm_root_free(root);
	}
	if (r < 0) {
		fprintf(stderr, "numamigd: cannot read the NUMA topology under %s: %s\n", rootdir,
			r == -ENODEV ? "the kernel has no NUMA support" : strerror(-r));
		return EXIT_FAILURE;
	}
	nm_set_format(t->online, online, sizeof(online));
	nm_set_format(t->has_cpu, cpu, sizeof(cpu));
	nm_set_format(t->has_memory, mem, sizeof(mem));
	printf("online: %s\nhas_cpu: %s\nhas_memory: %s\n", online, cpu, mem);
	printf("%-5s %-12s %10s %10s %10s %10s  distances\n", "node", "cpus", "total_MiB",
	       "free_MiB", "low_MiB", "high_MiB");
	for (int n = nm_set_next(t->online, 0); n >= 0; n = nm_set_next(t->online, n + 1))
		print_node(t, n);
	nm_topo_free(t);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print-topology", no_argument, NULL, 'T' },
		{ "root", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *root = "/";
	int c, topology = 0;

	while ((c = getopt_long(argc, argv, "ThV", opts, NULL)) != -1) {
		switch (c) {
		case 'T': topology = 1; break;
		case 'R': root = optarg; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("numamigd %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "numamigd: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	if (topology)
		return print_topology(root);
	fprintf(stderr, "numamigd: this build has no balancing loop yet (try --print-topology)\n");
	return EXIT_USAGE;
}
