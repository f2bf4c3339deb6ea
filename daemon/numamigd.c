/* numamigd: command line entry point of the NUMA balancing daemon.
 *
 * Wiring only: parse the command line, then either answer a one-shot
 * question (--check-config, --print-config, --print-topology) or hand over
 * to the manager's event loop.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-jobs.h"
#include "ctl-methods.h"
#include "log.h"
#include "manager.h"
#include "numamig/set.h"
#include "numamig/topology.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: numamigd [OPTION]...\n"
		"Userspace NUMA balancing daemon: moves a task's memory to the node it runs on.\n"
		"\n"
		"  -c, --config=FILE      main configuration file (default " NM_CONFIG_MAIN_FILE ")\n"
		"  -p, --policy-dir=DIR   read policies from DIR (repeatable, highest priority\n"
		"                         first) instead of " NM_CONFIG_POLICY_DIR " and\n"
		"                         " NM_CONFIG_VENDOR_POLICY_DIR "\n"
		"  -t, --check-config     check the configuration, print every problem, and exit\n"
		"  -P, --print-config     print the effective configuration as YAML and exit\n"
		"  -T, --print-topology   print the NUMA topology as numamigd sees it and exit\n"
		"      --sampler=SOURCE   residency source: auto (default), perf or proc\n"
		"      --root=DIR         read /proc and /sys under DIR instead of / (for\n"
		"                         inspecting a captured tree)\n"
		"      --state-dir=DIR    keep state that must survive a crash (the values of\n"
		"                         kernel.numa_balancing and demotion_enabled to\n"
		"                         restore) in DIR (default\n"
		"                         $STATE_DIRECTORY, else " NM_STATE_DIR ")\n"
		"  -d, --debug            log debug messages\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n");
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

struct args {
	struct manager_opts opts;
	int policy_dirs;
	bool check, print, topology, debug;
};

static int parse_sampler(const char *v, enum nm_sampler_source *out)
{
	if (strcmp(v, "auto") == 0)
		*out = NM_SAMPLER_AUTO;
	else if (strcmp(v, "perf") == 0)
		*out = NM_SAMPLER_PERF;
	else if (strcmp(v, "proc") == 0)
		*out = NM_SAMPLER_PROC;
	else
		return -EINVAL;
	return 0;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 't' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "print-topology", no_argument, NULL, 'T' },
		{ "sampler", required_argument, NULL, 'S' },
		{ "root", required_argument, NULL, 'R' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:p:tPTdhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->opts.paths.main_file = optarg;
			a->opts.paths.main_required = true;
			break;
		case 'p':
			if (a->policy_dirs == NM_CONFIG_MAX_DIRS) {
				fprintf(stderr, "numamigd: at most %d --policy-dir\n", NM_CONFIG_MAX_DIRS);
				return EXIT_USAGE;
			}
			a->opts.paths.policy_dirs[a->policy_dirs++] = optarg;
			a->opts.paths.policy_dirs[a->policy_dirs] = NULL;
			break;
		case 't': a->check = true; break;
		case 'P': a->print = true; break;
		case 'T': a->topology = true; break;
		case 'S':
			if (parse_sampler(optarg, &a->opts.source) < 0) {
				fprintf(stderr, "numamigd: --sampler: '%s' is not auto, perf or proc\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'R': a->opts.root = optarg; break;
		case 's': a->opts.state_dir = optarg; break;
		case 'd': a->debug = true; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("numamigd %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "numamigd: unexpected argument '%s'\n", argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

static int check_or_print(const struct args *a)
{
	struct nm_config *config = manager_load_config(&a->opts.paths);

	if (!config)
		return EXIT_FAILURE;
	if (a->print)
		nm_config_print(config, stdout);
	else
		printf("configuration OK: %zu policies\n", config->n_policies);
	nm_config_free(config);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct args a = { .opts = { .root = "/", .source = NM_SAMPLER_AUTO } };
	struct manager *m;
	int r;

	nm_config_paths_init(&a.opts.paths);
	a.opts.methods = ctl_methods;
	a.opts.n_methods = ctl_n_methods;
	r = parse_args(argc, argv, &a);
	if (r >= 0)
		return r;
	log_init(a.debug);
	if (a.topology)
		return print_topology(a.opts.root);
	if (a.check || a.print)
		return check_or_print(&a);
	/* systemd's StateDirectory= sets $STATE_DIRECTORY (one directory here). */
	if (!a.opts.state_dir)
		a.opts.state_dir = getenv("STATE_DIRECTORY");
	if (!a.opts.state_dir || !*a.opts.state_dir)
		a.opts.state_dir = NM_STATE_DIR;
	r = manager_new(&a.opts, &m);
	if (r < 0)
		return EXIT_FAILURE; /* manager_new() said why */
	r = manager_run(m);
	manager_free(m);
	ctl_jobs_free(); /* the jobs' history: every job ended with the worker */
	return r;
}
