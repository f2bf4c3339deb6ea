/* damon: the DAMON source, through its sysfs interface. See
 * numamig/damon.h and the kernel's Documentation/admin-guide/mm/damon/
 * usage.rst. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/damon.h"
#include "numamig/file.h"
#include "base/array.h"
#include "base/clock.h"

#define KDAMONDS "sys/kernel/mm/damon/admin/kdamonds"
/* A snapshot lists at most max_nr_regions regions, and a few more while a
 * split is undone: read no more than this of a directory. */
#define MAX_REGIONS 1000
#define READ_MAX_REGIONS (2 * MAX_REGIONS)
#define STR_(x) #x
#define STR(x) STR_(x)

struct nm_damon {
	int fd;                   /* the root's */
	unsigned slots;
	struct nm_damon_region *v;
	size_t cap;
	struct nm_damon_stats st;
};

static int put(const struct nm_damon *d, const char *text, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Write TEXT to KDAMONDS/<FMT...>. */
static int put(const struct nm_damon *d, const char *text, const char *fmt, ...)
{
	char path[256];
	va_list ap;
	int n;

	n = snprintf(path, sizeof(path), "%s/", KDAMONDS);
	va_start(ap, fmt);
	vsnprintf(path + n, sizeof(path) - (size_t)n, fmt, ap);
	va_end(ap);
	return nm_write_file_at(d->fd, path, text);
}

/* Whether SLOT's kdamond is running (its state file reads "on"). */
static bool slot_on(const struct nm_damon *d, unsigned slot)
{
	char path[128], *text;
	bool on;

	snprintf(path, sizeof(path), KDAMONDS "/%u/state", slot);
	if (nm_read_file_at(d->fd, path, 64, &text, NULL) < 0)
		return false;
	on = strcmp(text, "on\n") == 0 || strcmp(text, "on") == 0;
	free(text);
	return on;
}

/* One kdamond: a vaddr context, one target, a "stat" scheme that matches
 * every region (so that its tried regions are all of them). The maximum
 * number of regions goes before the minimum: the kernel refuses a minimum
 * above the maximum. */
static int slot_setup(const struct nm_damon *d, unsigned slot, const char **step)
{
	static const struct {
		const char *file, *value;
	} steps[] = {
		{ "contexts/nr_contexts", "1" },
		{ "contexts/0/operations", "vaddr" },
		{ "contexts/0/monitoring_attrs/intervals/sample_us", STR(NM_DAMON_SAMPLE_US) },
		{ "contexts/0/monitoring_attrs/intervals/aggr_us", STR(NM_DAMON_AGGR_US) },
		{ "contexts/0/monitoring_attrs/intervals/update_us", "1000000" },
		{ "contexts/0/monitoring_attrs/nr_regions/max", STR(MAX_REGIONS) },
		{ "contexts/0/monitoring_attrs/nr_regions/min", "100" },
		{ "contexts/0/targets/nr_targets", "1" },
		{ "contexts/0/schemes/nr_schemes", "1" },
		{ "contexts/0/schemes/0/action", "stat" },
		{ "contexts/0/schemes/0/access_pattern/sz/max", "18446744073709551615" },
		{ "contexts/0/schemes/0/access_pattern/nr_accesses/max", "4294967295" },
		{ "contexts/0/schemes/0/access_pattern/age/max", "4294967295" },
	};
	int r;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((r = put(d, steps[i].value, "%u/%s", slot, steps[i].file)) < 0) {
			*step = steps[i].file;
			return r;
		}
	}
	return 0;
}

/* Whether another user has a kdamond running: DAMON's sysfs interface is
 * one per machine, and setting the number of kdamonds removes them all. A
 * set of kdamonds all off (one left by a daemon that crashed, once the
 * processes it watched exited) is taken over. */
static int check_free(const struct nm_damon *d, char *why, size_t whylen)
{
	unsigned long n;
	int r = nm_read_ulong_at(d->fd, KDAMONDS "/nr_kdamonds", &n);

	if (r == -ENOENT) {
		snprintf(why, whylen, "the kernel has no DAMON sysfs interface "
			 "(/sys/kernel/mm/damon/admin: CONFIG_DAMON_SYSFS)");
		return r;
	}
	if (r < 0) {
		snprintf(why, whylen, "reading %s/nr_kdamonds: %s", KDAMONDS, strerror(-r));
		return r;
	}
	for (unsigned long i = 0; i < n && i < 1024; i++) {
		if (slot_on(d, (unsigned)i)) {
			snprintf(why, whylen, "in use by another DAMON user: kdamond %lu is on", i);
			return -EBUSY;
		}
	}
	return 0;
}

int nm_damon_open(const struct nm_root *root, unsigned slots, struct nm_damon **out, char *why,
		  size_t whylen)
{
	struct nm_damon *d = calloc(1, sizeof(*d));
	const char *step = "nr_kdamonds";
	char buf[16];
	int r;

	if (!d)
		return -ENOMEM;
	d->fd = nm_root_fd(root);
	d->slots = slots;
	if ((r = check_free(d, why, whylen)) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%u", slots);
	r = nm_write_file_at(d->fd, KDAMONDS "/nr_kdamonds", buf);
	for (unsigned i = 0; r == 0 && i < slots; i++)
		r = slot_setup(d, i, &step);
	if (r == -EINVAL && strcmp(step, "contexts/0/operations") == 0) {
		snprintf(why, whylen, "the kernel has no DAMON vaddr monitoring "
			 "(CONFIG_DAMON_VADDR)");
		nm_write_file_at(d->fd, KDAMONDS "/nr_kdamonds", "0");
		r = -EOPNOTSUPP;
		goto fail;
	}
	if (r < 0) {
		snprintf(why, whylen, "setting up DAMON (%s): %s", step, strerror(-r));
		nm_write_file_at(d->fd, KDAMONDS "/nr_kdamonds", "0");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	free(d);
	return r;
}

void nm_damon_close(struct nm_damon *d)
{
	if (!d)
		return;
	for (unsigned i = 0; i < d->slots; i++)
		nm_damon_stop(d, i);
	nm_write_file_at(d->fd, KDAMONDS "/nr_kdamonds", "0");
	free(d->v);
	free(d);
}

int nm_damon_stop(struct nm_damon *d, unsigned slot)
{
	if (slot >= d->slots)
		return -EINVAL;
	return slot_on(d, slot) ? put(d, "off", "%u/state", slot) : 0;
}

int nm_damon_start(struct nm_damon *d, unsigned slot, pid_t pid)
{
	char buf[16];
	int r;

	if ((r = nm_damon_stop(d, slot)) == 0) {
		snprintf(buf, sizeof(buf), "%d", (int)pid);
		r = put(d, buf, "%u/contexts/0/targets/0/pid_target", slot);
	}
	if (r == 0)
		r = put(d, "on", "%u/state", slot);
	if (r == 0)
		d->st.starts++;
	else
		d->st.start_errors++;
	return r;
}

/* One region directory of a snapshot, DIRFD/NAME, into *R. */
static int read_region(int dirfd, const char *name, struct nm_damon_region *r)
{
	static const char *const files[] = { "start", "end", "nr_accesses", "age" };
	unsigned long v[4];
	char path[NAME_MAX + 16];
	int e;

	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", name, files[i]);
		if ((e = nm_read_ulong_at(dirfd, path, &v[i])) < 0)
			return e;
	}
	if (v[1] <= v[0])
		return -EINVAL;
	*r = (struct nm_damon_region){ .start = v[0], .end = v[1],
				       .nr_accesses = (unsigned)v[2], .age = (unsigned)v[3] };
	return 0;
}

/* The tried regions of SLOT's scheme, as the last update left them. */
static int read_regions(struct nm_damon *d, unsigned slot, size_t *n)
{
	char path[128];
	struct dirent *de;
	DIR *dir;
	int fd, r = 0;

	snprintf(path, sizeof(path), KDAMONDS "/%u/contexts/0/schemes/0/tried_regions", slot);
	if ((fd = openat(d->fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	*n = 0;
	while (r == 0 && (de = readdir(dir)) && *n < READ_MAX_REGIONS) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue; /* ".", "..", total_bytes */
		if ((r = array_grow((void **)&d->v, &d->cap, *n + 1, sizeof(*d->v))) < 0)
			break;
		r = read_region(dirfd(dir), de->d_name, &d->v[*n]);
		*n += r == 0;
	}
	closedir(dir);
	return r;
}

static int by_start(const void *x, const void *y)
{
	const struct nm_damon_region *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

int nm_damon_snapshot(struct nm_damon *d, unsigned slot, const struct nm_damon_region **v,
		      size_t *n)
{
	uint64_t t0 = nm_mono_ns();
	int r;

	*n = 0;
	*v = d->v;
	if (slot >= d->slots)
		return -EINVAL;
	if (!slot_on(d, slot))
		return -ESRCH;
	r = put(d, "update_schemes_tried_regions", "%u/state", slot);
	if (r < 0 && !slot_on(d, slot))
		r = -ESRCH; /* it stopped meanwhile: its process exited */
	else if (r == 0)
		r = read_regions(d, slot, n);
	d->st.snapshot_ns += nm_mono_ns() - t0;
	if (r == -ESRCH)
		return r;
	if (r < 0) {
		d->st.snapshot_errors++;
		return r;
	}
	d->st.snapshots++;
	d->st.regions += *n;
	qsort(d->v, *n, sizeof(*d->v), by_start);
	*v = d->v;
	return 0;
}

void nm_damon_get_stats(const struct nm_damon *d, struct nm_damon_stats *out)
{
	*out = d->st;
}
