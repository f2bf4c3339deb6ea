/* act-kernel: the real kernel behind struct nm_mig_sys, the act stage's
 * one seam (numamig/migrator.h): every page move, query and pagemap read
 * of the walker and the migrator goes through here, and so does the
 * capability handling around migrate_pages(). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <numaif.h>
#include <stdatomic.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "numamig/migrator.h"
#include "numamig/procfs.h"
#include "base/api.h"
#include "base/clock.h"

static long k_move_pages(void *ctx, pid_t pid, unsigned long count, void **pages,
			 const int *nodes, int *status, int flags)
{
	(void)ctx;
	return move_pages(pid, count, pages, nodes, status, flags);
}

/* Raise or lower CAP_SYS_NICE in this thread's effective set (capability
 * sets are per thread, so the event loop keeps its own). *WAS says whether
 * it was effective before. Returns 0 or -1 with errno set. libcap would do
 * the same in more calls; the raw pair keeps the seam free of another
 * dependency for two bits. */
static int set_sys_nice(bool on, bool *was)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) < 0)
		return -1;
	*was = data[0].effective & (1u << CAP_SYS_NICE);
	if (on && (data[0].permitted & (1u << CAP_SYS_NICE)))
		data[0].effective |= 1u << CAP_SYS_NICE;
	else if (!on)
		data[0].effective &= ~(1u << CAP_SYS_NICE);
	return syscall(SYS_capset, &hdr, data) < 0 ? -1 : 0;
}

/* migrate_pages() moves shared pages (MPOL_MF_MOVE_ALL) exactly when the
 * caller has CAP_SYS_NICE: drop it for the call unless SHARED. A drop that
 * fails fails the call: going on would move pages of other processes. */
static long k_migrate_pages(void *ctx, pid_t pid, unsigned long maxnode,
			    const unsigned long *old_nodes, const unsigned long *new_nodes,
			    bool shared)
{
	bool had = false;
	long r;
	int e;

	(void)ctx;
	if (!shared && set_sys_nice(false, &had) < 0)
		return -1;
	r = migrate_pages(pid, maxnode, old_nodes, new_nodes);
	e = errno;
	if (had)
		set_sys_nice(true, &had);
	errno = e;
	return r;
}

static int k_pagemap(void *ctx, const struct nm_proc *p, unsigned long start, size_t n,
		     uint64_t *entries)
{
	(void)ctx;
	return nm_proc_pagemap(p, start, n, entries);
}

/* /proc/kpageflags, opened at the first use and kept: the walker reads
 * one word per huge page, and an open per word cost as much as the reads
 * (W5). INT_MIN: not yet; another negative value: -errno of the open
 * (not root: -EACCES), which is not retried. */
static atomic_int kpageflags_fd = INT_MIN;

static int kpageflags_open(void)
{
	int fd = atomic_load(&kpageflags_fd), expect = INT_MIN, mine;

	if (fd != INT_MIN)
		return fd;
	mine = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (mine < 0)
		mine = -errno;
	/* Another worker may have opened it meanwhile: keep the first. */
	if (!atomic_compare_exchange_strong(&kpageflags_fd, &expect, mine)) {
		if (mine >= 0)
			close(mine);
		return expect;
	}
	return mine;
}

/* One word of /proc/kpageflags (root only, like the PFNs in pagemap). */
static int k_kpageflags(void *ctx, uint64_t pfn, uint64_t *flags)
{
	int fd = kpageflags_open();
	ssize_t got;

	(void)ctx;
	if (fd < 0)
		return fd;
	got = pread(fd, flags, sizeof(*flags), (off_t)(pfn * sizeof(*flags)));
	if (got == (ssize_t)sizeof(*flags))
		return 0;
	return got < 0 ? -errno : -EIO;
}

static bool k_alive(void *ctx, const struct nm_proc *p)
{
	(void)ctx;
	return nm_proc_alive(p);
}

static uint64_t k_now_ns(void *ctx)
{
	(void)ctx;
	return nm_mono_ns();
}

NM_API const struct nm_mig_sys nm_mig_kernel = {
	.move_pages = k_move_pages,
	.migrate_pages = k_migrate_pages,
	.pagemap = k_pagemap,
	.kpageflags = k_kpageflags,
	.alive = k_alive,
	.now_ns = k_now_ns,
};
