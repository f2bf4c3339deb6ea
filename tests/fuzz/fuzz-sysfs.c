/* fuzz-sysfs: the sysfs and /proc files read through a struct nm_root:
 * node lists, per-node cpulist, distance and meminfo, zoneinfo,
 * numa_balancing, mountinfo and cgroup.procs. These parsers are static
 * and take a root, so the input is written out as a small tree in a
 * temporary directory and the public loaders read it. A fixture tree is
 * as untrusted as the live one: a container can fake /proc and /sys.
 *
 * Input: files separated by '|', in this order: node/online,
 * node/possible, node/has_cpu, node/has_memory, cpu/possible,
 * proc/zoneinfo, proc/sys/kernel/numa_balancing, proc/self/mountinfo,
 * sys/fs/cgroup/cgroup.procs, then cpulist, distance and meminfo of each
 * online node in turn (at most MAX_TREE_NODES). A missing file is absent. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numamig/cgroupfs.h"
#include "numamig/knb.h"
#include "numamig/root.h"
#include "numamig/set.h"
#include "numamig/topology.h"
#include "fuzz.h"

#define NODE_DIR "sys/devices/system/node"
#define MAX_TREE_NODES 8

static const char *const fixed[] = {
	NODE_DIR "/online", NODE_DIR "/possible", NODE_DIR "/has_cpu", NODE_DIR "/has_memory",
	"sys/devices/system/cpu/possible", "proc/zoneinfo", "proc/sys/kernel/numa_balancing",
	"proc/self/mountinfo", "sys/fs/cgroup/cgroup.procs",
};
#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))

static char tree[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tree(void)
{
	if (tree[0])
		nftw(tree, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* mkdir -p of FILE's directory under the tree, then write it. */
static void put(const char *file, const uint8_t *data, size_t size)
{
	char path[256], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tree, file);
	for (slash = strchr(path + strlen(tree) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (size && write(fd, data, size) < 0)
		fprintf(stderr, "fuzz-sysfs: %s: %s\n", path, strerror(errno));
	close(fd);
}

/* Split at '|' and write the tree; the per-node files go to the ids the
 * online file lists, so sparse ids (16-17) work as in real sysfs. */
static void write_tree(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct bitmask *online = NULL;
	static const char *const per_node[] = { "cpulist", "distance", "meminfo" };
	int node = -1;

	for (size_t i = 0; p <= end; i++) {
		const uint8_t *bar = memchr(p, '|', (size_t)(end - p));
		size_t n = bar ? (size_t)(bar - p) : (size_t)(end - p);
		char file[128];

		if (i < NFIXED) {
			put(fixed[i], p, n);
			if (i == 0) {
				char *text = fuzz_text(p, n);

				online = text ? nm_set_parse_list(text, 0) : NULL;
				free(text);
			}
		} else {
			size_t k = (i - NFIXED) / 3;

			if (!online || k >= MAX_TREE_NODES)
				break;
			if ((i - NFIXED) % 3 == 0)
				node = nm_set_next(online, node + 1);
			if (node < 0)
				break;
			snprintf(file, sizeof(file), NODE_DIR "/node%d/%s", node,
				 per_node[(i - NFIXED) % 3]);
			put(file, p, n);
		}
		if (!bar)
			break;
		p = bar + 1;
	}
	if (online)
		numa_bitmask_free(online);
}

static void check_topology(const struct nm_root *root)
{
	struct nm_topology *t;

	if (nm_topo_load(root, &t) < 0)
		return;
	FUZZ_CHECK(t->max_node >= 0 && t->max_node <= NM_SET_MAX_ID);
	for (int a = -1; a <= t->max_node + 1 && a < 64; a++) {
		int d = nm_topo_distance(t, a, 0);

		FUZZ_CHECK(d == -1 || (d >= 0 && d <= 255));
	}
	for (int cpu = -1; cpu <= t->nr_cpus && cpu < 256; cpu++) {
		int node = nm_topo_cpu_node(t, cpu);

		FUZZ_CHECK(node >= -1 && node <= t->max_node);
	}
	nm_topo_free(t);
}

static void check_cgroups(const struct nm_root *root)
{
	struct nm_cgroupfs *cg;
	pid_t *pids;
	int n;

	if (nm_cgfs_open(root, &cg) < 0)
		return;
	n = nm_cgfs_procs(cg, "/", &pids);
	if (n >= 0) {
		for (int i = 0; i < n; i++)
			FUZZ_CHECK(pids[i] > 0);
		free(pids);
	}
	nm_cgfs_free(cg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nm_root *root;
	int knb;

	if (!tree[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(tree, sizeof(tree), "%s/fuzz-sysfs.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (strlen(tree) >= sizeof(tree) - 1 || !mkdtemp(tree)) {
			tree[0] = '\0';
			return 0;
		}
		atexit(rm_tree);
	}
	/* Start from an empty tree: no file of the last input leaks in. */
	rm_tree();
	if (mkdir(tree, 0700) < 0)
		return 0;
	/* nm_topo_load refuses ids past NM_TOPO_MAX_NODE before sizing its
	 * tables by them, so big ids cost nothing here. */
	write_tree(data, size);
	if (nm_root_open(tree, &root) < 0)
		return 0;
	check_topology(root);
	if (nm_knb_read(root, NM_KNB_BALANCING, &knb) == 0)
		FUZZ_CHECK(knb >= 0 && knb <= 255);
	if (nm_knb_read(root, NM_KNB_DEMOTION, &knb) == 0)
		FUZZ_CHECK(knb == 0 || knb == 1);
	check_cgroups(root);
	nm_root_free(root);
	return 0;
}
