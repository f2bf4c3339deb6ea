/* proc: a handle on one process that cannot be confused with its pid's
 * next owner.
 *
 * There is no pidfd form of move_pages() or migrate_pages(), and a pid can
 * be reused between a scan and an action. A handle therefore holds a pidfd
 * (which tells whether *this* process has exited) and an O_DIRECTORY fd of
 * /proc/PID (which keeps naming this process: once it dies, reads through
 * it fail instead of reaching a newcomer with the same pid). Every read is
 * followed by a liveness check, so a result gathered while the process died
 * is dropped rather than reported. Callers re-check with nm_proc_alive()
 * right before and after each syscall that takes the pid.
 *
 * On a fixture root there are no processes to pidfd_open, and kernels
 * before 5.3 have no pidfd_open; the handle then works on the /proc/PID
 * directory alone (pidfd is -1), which still cannot reach a newcomer.
 */
#ifndef NUMAMIG_PROC_H
#define NUMAMIG_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_proc {
	pid_t pid;
	int pidfd; /* -1 on a fixture root */
	int dirfd; /* /proc/PID, O_DIRECTORY */
};

/* Open process PID under ROOT. Returns 0 or -errno: -ESRCH when there is
 * no such process or it is exiting (pidfd_open's EINVAL for a task that has
 * left its thread group is reported as -ESRCH; so is a pid that names a
 * thread rather than a process). */
int nm_proc_open(const struct nm_root *root, pid_t pid, struct nm_proc **out);
void nm_proc_close(struct nm_proc *proc);

/* True while the process has not exited. */
bool nm_proc_alive(const struct nm_proc *proc);

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

/* List the thread ids of the process (task/ directory) into a new array.
 * Returns the count or -errno. */
int nm_proc_tids(const struct nm_proc *proc, pid_t **tids);

#ifdef __cplusplus
}
#endif
#endif
