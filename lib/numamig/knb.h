/* knb: kernel.numa_balancing, the kernel's own NUMA balancer.
 *
 * It fights a userspace balancer: its hint faults move pages straight back
 * to wherever it thinks they belong, in every cgroup. With
 * kernel_numa_balancing: disable the daemon sets it to 0 while it runs and
 * puts the old value back when it stops. The value is 0 (off), 1 (NUMA
 * balancing) or 2 (memory tiering); bits may combine (3).
 */
#ifndef NUMAMIG_KNB_H
#define NUMAMIG_KNB_H

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read the value. Returns 0, -ENOENT when the kernel has no NUMA
 * balancing (CONFIG_NUMA_BALANCING=n), or -errno. */
int nm_knb_read(const struct nm_root *root, int *value);

/* Write VALUE. Returns 0 or -errno (-EACCES/-EROFS without privilege). */
int nm_knb_write(const struct nm_root *root, int value);

#ifdef __cplusplus
}
#endif
#endif
