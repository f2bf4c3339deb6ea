/* procfs: a process's /proc files, read through its handle (numamig/proc.h),
 * each read followed by a liveness check so that what a process that died
 * meanwhile said is never used. Internal to libnumamig. */
#ifndef NUMAMIG_PROCFS_H
#define NUMAMIG_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "numamig/proc.h"

/* Read /proc/PID/RELPATH (e.g. "stat", "task/123/stat") whole, as
 * nm_read_file_at() does, then check the process is still alive: -ESRCH if
 * it is gone, whatever the read returned. */
int nm_proc_read(const struct nm_proc *proc, const char *relpath, size_t max,
		 char **buf, size_t *len);

struct nm_pidmaps_line;
typedef int (*nm_pidmaps_fn)(const struct nm_pidmaps_line *m, void *arg);

/* The one reader of /proc/PID/maps: read it whole (bounded: 64k VMAs, the
 * default vm.max_map_count, are about 6 MiB of text), then call FN for
 * each line that parses, in address order. FN returns 0 to go on; its
 * first other value is returned. 0, or -errno (-ESRCH: gone). */
int nm_pidmaps_read(const struct nm_proc *proc, nm_pidmaps_fn fn, void *arg);

/* Open /proc/PID/RELPATH for streaming reads (numa_maps). Returns an fd or
 * -errno, with ENOENT mapped to -ESRCH because the file vanishes with the
 * process. */
int nm_proc_openat(const struct nm_proc *proc, const char *relpath);

/* Read N words of /proc/PID/pagemap from virtual address START (page
 * aligned) into ENTRIES, in one pread; words past the end of the address
 * space read as 0 (not present). 0, or -errno (-ESRCH: gone). One open per
 * call: the walker and the soft-dirty source read windows of thousands of
 * pages, and a kept fd would outlive the process it was opened for. */
int nm_proc_pagemap(const struct nm_proc *proc, unsigned long start, size_t n, uint64_t *entries);

/* The bits of a pagemap word (Documentation/admin-guide/mm/pagemap.rst):
 * the page is present; mapped by this process only; written since the
 * last soft-dirty clear; its frame number (0 without CAP_SYS_ADMIN). */
#define NM_PM_PRESENT (1ull << 63)
#define NM_PM_EXCLUSIVE (1ull << 56)
#define NM_PM_SOFT_DIRTY (1ull << 55)
#define NM_PM_PFN_MASK ((1ull << 55) - 1)

/* Write TEXT to /proc/PID/RELPATH (clear_refs) in one write(2), then
 * check the process is still alive. 0, or -errno: -ESRCH if it is gone,
 * -EOPNOTSUPP on a fixture root (never written). */
int nm_proc_write(const struct nm_proc *proc, const char *relpath, const char *text);

/* List the thread ids of the process (task/ directory) into a new array.
 * Returns the count or -errno. */
int nm_proc_tids(const struct nm_proc *proc, pid_t **tids);

#endif
