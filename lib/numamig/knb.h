/* knb: kernel.numa_balancing, the kernel's own NUMA balancer.
 *
 * It fights a userspace balancer: its hint faults move pages straight back
 * to wherever it thinks they belong, in every cgroup. With
 * kernel_numa_balancing: disable the daemon sets it to 0 while it runs and
 * puts the old value back when it stops. The value is 0 (off), 1 (NUMA
 * balancing) or 2 (memory tiering); bits may combine (3).
 *
 * The old value must survive the daemon: after SIGKILL, a watchdog abort
 * or the OOM killer, the next start would otherwise read 0 as the
 * original. It is saved in a file of the state directory before the
 * sysctl is changed, and forgotten once it is restored.
 */
#ifndef NUMAMIG_KNB_H
#define NUMAMIG_KNB_H

#include <stdbool.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read the value. Returns 0, -ENOENT when the kernel has no NUMA
 * balancing (CONFIG_NUMA_BALANCING=n), or -errno. */
int nm_knb_read(const struct nm_root *root, int *value);

/* The kernel's demotion on reclaim (/sys/kernel/mm/numa/demotion_enabled:
 * reclaim moves a page to a slower memory tier instead of dropping or
 * swapping it). Left as it is: it complements a daemon that demotes to a
 * goal. Returns 0, -ENOENT when the kernel has no such switch, or -errno
 * (-EINVAL: neither true nor false). */
int nm_knb_demotion(const struct nm_root *root, bool *on);

/* Write VALUE. Returns 0 or -errno (-EACCES/-EROFS without privilege). */
int nm_knb_write(const struct nm_root *root, int value);

/* Save VALUE, the one to restore, in STATE_DIR (created 0700 if missing),
 * replacing the file atomically. Returns 0 or -errno. */
int nm_knb_save(const char *state_dir, int value);

/* The value saved in STATE_DIR. Returns 0, -ENOENT when none is saved, or
 * -errno (-EINVAL: not a value). */
int nm_knb_saved(const char *state_dir, int *value);

/* Forget the saved value (none saved is not an error). Returns 0 or -errno. */
int nm_knb_forget(const char *state_dir);

#ifdef __cplusplus
}
#endif
#endif
