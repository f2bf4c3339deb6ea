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
 *
 * Part of the installed API: nm_range_move() takes a handle.
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

/* The kernel's TASK_COMM_LEN is 16; leave room for a future increase. */
#define NM_COMM_MAX 64

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

#ifdef __cplusplus
}
#endif
#endif
