/* softdirty: the soft-dirty clear and scan. See numamig/softdirty.h. */
#include "config.h"

#include <unistd.h>

#include "numamig/procfs.h"
#include "numamig/softdirty.h"

#define PM_PRESENT (1ull << 63)
#define PM_SOFT_DIRTY (1ull << 55)

int nm_softdirty_clear(const struct nm_proc *p)
{
	/* "4": soft-dirty bits only; the other values drop referenced bits
	 * that reclaim relies on. */
	return nm_proc_write(p, "clear_refs", "4");
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
			bool dirty = (buf[i] & (PM_PRESENT | PM_SOFT_DIRTY)) ==
				     (PM_PRESENT | PM_SOFT_DIRTY);

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
