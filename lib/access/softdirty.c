/* softdirty: the soft-dirty clear and scan. See numamig/softdirty.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "numamig/procfs.h"
#include "numamig/softdirty.h"

int nm_softdirty_clear(const struct nm_proc *p)
{
	/* "4": soft-dirty bits only; the other values drop referenced bits
	 * that reclaim relies on. */
	return nm_proc_write(p, "clear_refs", "4");
}

/* Whether the word of PAGE in this process's pagemap has the bit: 1, 0,
 * or -errno. */
static int dirty_bit(const struct nm_proc *self, volatile char *page)
{
	uint64_t pm;
	int r = nm_proc_pagemap(self, (unsigned long)page, 1, &pm);

	return r < 0 ? r : (pm & NM_PM_SOFT_DIRTY) != 0;
}

int nm_softdirty_probe(const struct nm_root *root, char *why, size_t whylen)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	volatile char *page = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	struct nm_proc *self = NULL;
	const char *step = "open /proc/self";
	int r;

	if (page == MAP_FAILED) {
		r = -errno;
		snprintf(why, whylen, "mmap: %s", strerror(-r));
		return r;
	}
	page[0] = 1;
	r = nm_proc_open(root, getpid(), &self);
	if (r == 0) {
		step = "clear_refs";
		r = nm_softdirty_clear(self);
	}
	if (r == 0) {
		step = "pagemap";
		r = dirty_bit(self, page);
		if (r == 1) {
			r = -EOPNOTSUPP;
			step = "a page is still soft-dirty after a clear (CONFIG_MEM_SOFT_DIRTY)";
		}
	}
	if (r == 0) {
		page[0] = 2;
		r = dirty_bit(self, page);
		if (r == 0) {
			r = -EOPNOTSUPP;
			step = "a page written after a clear is not soft-dirty (CONFIG_MEM_SOFT_DIRTY)";
		}
	}
	if (r < 0)
		snprintf(why, whylen, "%s%s%s", step, r == -EOPNOTSUPP ? "" : ": ",
			 r == -EOPNOTSUPP ? "" : strerror(-r));
	nm_proc_close(self);
	munmap((void *)page, psz);
	return r < 0 ? r : 0;
}

int nm_softdirty_scan(const struct nm_proc *p, unsigned long start, unsigned long end,
		      uint64_t *buf, nm_softdirty_fn fn, void *arg, uint64_t *read)
{
	unsigned long psz = (unsigned long)sysconf(_SC_PAGESIZE);
	unsigned long run = 0; /* start of the run being built; 0: none */

	start &= ~(psz - 1);
	for (unsigned long at = start; at < end;) {
		size_t n = (end - at + psz - 1) / psz;
		int r;

		if (n > NM_SOFTDIRTY_CHUNK)
			n = NM_SOFTDIRTY_CHUNK;
		if ((r = nm_proc_pagemap(p, at, n, buf)) < 0)
			return r;
		*read += n;
		for (size_t i = 0; i < n; i++, at += psz) {
			bool dirty = (buf[i] & (NM_PM_PRESENT | NM_PM_SOFT_DIRTY)) ==
				     (NM_PM_PRESENT | NM_PM_SOFT_DIRTY);

			if (dirty && !run)
				run = at;
			else if (!dirty && run && (r = fn(run, at, arg)) != 0)
				return r;
			if (!dirty)
				run = 0;
		}
		if (at < start)
			break; /* wrapped at the top of the address space */
	}
	return run ? fn(run, end, arg) : 0;
}
