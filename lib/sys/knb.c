/* knb: the kernel's balancing and tiering switches. See numamig/knb.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "numamig/file.h"
#include "numamig/knb.h"

/* Where each setting lives under the root, and its saved copy's name in
 * the state directory (kernel.numa_balancing.saved is the name releases
 * before demotion_enabled used: a value saved by one is still found). */
static const struct {
	const char *name, *path, *saved;
	int max;
} knb[NM_KNB_SETTINGS] = {
	[NM_KNB_BALANCING] = { "kernel.numa_balancing", "proc/sys/kernel/numa_balancing",
			       "kernel.numa_balancing.saved", 255 },
	[NM_KNB_DEMOTION] = { "demotion_enabled", "sys/kernel/mm/numa/demotion_enabled",
			      "demotion_enabled.saved", 1 },
};

const char *nm_knb_name(enum nm_knb_setting s)
{
	return knb[s].name;
}

/* Balancing is 0, both bits: their hint faults move managed memory back,
 * and the tiering bit would promote what a goal demotes. Demotion on
 * reclaim is on where a policy demotes to a goal: the goal is met tick by
 * tick, and reclaim then demotes what a burst of allocations outran
 * instead of swapping it (it takes only what the LRU found cold). */
int nm_knb_wanted(const struct nm_config *c, const struct nm_topology *topo,
		  enum nm_knb_setting s)
{
	if (c->kernel_numa_balancing != NM_KNB_DISABLE)
		return -1;
	if (s == NM_KNB_BALANCING)
		return 0;
	if (nm_topo_memory_only_nodes(topo) == 0)
		return -1;
	for (size_t i = 0; i < c->n_policies; i++)
		if (nm_policy_demotes(&c->policies[i]))
			return 1;
	return -1;
}

/* TEXT (freed here) as a value of S: 0 or -EINVAL. demotion_enabled
 * prints true/false; its saved copy is 1/0. */
static int parse_value(enum nm_knb_setting s, char *text, int *value)
{
	char *end;
	long v;
	int r;

	text[strcspn(text, "\n")] = 0;
	if (s == NM_KNB_DEMOTION && (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)) {
		v = text[0] == 't';
		end = text + strlen(text);
	} else {
		v = strtol(text, &end, 10);
	}
	r = end == text || *end || v < 0 || v > knb[s].max ? -EINVAL : 0;
	free(text);
	if (r == 0)
		*value = (int)v;
	return r;
}

int nm_knb_read(const struct nm_root *root, enum nm_knb_setting s, int *value)
{
	char *text;
	int r = nm_read_file_at(nm_root_fd(root), knb[s].path, 64, &text, NULL);

	return r < 0 ? r : parse_value(s, text, value);
}

int nm_knb_write(const struct nm_root *root, enum nm_knb_setting s, int value)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d\n", value);
	return nm_write_file_at(nm_root_fd(root), knb[s].path, buf);
}

/* STATE_DIR as a directory fd; created when CREATE and missing. */
static int open_state(const char *state_dir, bool create)
{
	int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0 && errno == ENOENT && create) {
		/* Mode 0700, as StateDirectoryMode's default. */
		if ((r = nm_make_dirs(state_dir, 0700)) < 0)
			return r;
		fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

static int print_value(FILE *f, const void *value)
{
	return fprintf(f, "%d\n", *(const int *)value) < 0 ? -EIO : 0;
}

int nm_knb_save(const char *state_dir, enum nm_knb_setting s, int value)
{
	int dfd = open_state(state_dir, true), r;

	if (dfd < 0)
		return dfd;
	r = nm_replace_file_at(dfd, knb[s].saved, 0600, print_value, &value);
	close(dfd);
	return r;
}

int nm_knb_saved(const char *state_dir, enum nm_knb_setting s, int *value)
{
	int dfd = open_state(state_dir, false), fd, r;
	char *text = NULL;
	struct stat st;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, knb[s].saved, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = nm_read_fd(fd, 64, &text, NULL);
	close(fd);
	return r < 0 ? r : parse_value(s, text, value);
}

int nm_knb_forget(const char *state_dir, enum nm_knb_setting s)
{
	int dfd = open_state(state_dir, false), r = 0;

	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (unlinkat(dfd, knb[s].saved, 0) < 0 && errno != ENOENT)
		r = -errno;
	close(dfd);
	return r;
}
