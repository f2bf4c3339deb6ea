/* knb: the kernel's own NUMA balancing and tiering switches, the sysctls
 * numamigd changes while it runs.
 *
 *   kernel.numa_balancing  0 (off), 1 (NUMA balancing), 2 (memory tiering:
 *                          promotion on hint faults); the bits combine (3).
 *                          Both bits fight a userspace balancer: the hint
 *                          faults move pages straight back to wherever the
 *                          kernel thinks they belong, in every cgroup.
 *   demotion_enabled       (/sys/kernel/mm/numa) reclaim moves a page to a
 *                          slower memory tier instead of swapping it out or
 *                          dropping it. It complements a daemon that demotes
 *                          to a goal: reclaim catches what outruns a tick.
 *
 * With kernel_numa_balancing: disable the daemon sets them as it needs
 * while it runs and puts the old values back when it stops. An old value
 * must survive the daemon: after SIGKILL, a watchdog abort or the OOM
 * killer, the next start would otherwise read the daemon's value as the
 * original. It is saved in a file of the state directory before the
 * setting is changed, and forgotten once it is restored.
 */
#ifndef NUMAMIG_KNB_H
#define NUMAMIG_KNB_H

#include "numamig/config.h"
#include "numamig/root.h"
#include "numamig/topology.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nm_knb_setting {
	NM_KNB_BALANCING,  /* kernel.numa_balancing: 0-3 */
	NM_KNB_DEMOTION,   /* demotion_enabled: 0 or 1 */
	NM_KNB_SETTINGS,
};

/* "kernel.numa_balancing", "demotion_enabled": for logs and status. */
const char *nm_knb_name(enum nm_knb_setting s);

/* The value CONFIG wants for S while the daemon runs on TOPO, or -1 to
 * leave it as it is: with kernel_numa_balancing: disable, balancing 0
 * (both bits), and demotion on reclaim 1 where a policy that moves memory
 * has a tiering goal and TOPO a memory-only node. Pure. */
int nm_knb_wanted(const struct nm_config *config, const struct nm_topology *topo,
		  enum nm_knb_setting s);

/* Read the value (demotion_enabled: 1 or 0). Returns 0, -ENOENT when the
 * kernel has no such switch (CONFIG_NUMA_BALANCING=n, CONFIG_MIGRATION=n),
 * or -errno (-EINVAL: not a value of the setting). */
int nm_knb_read(const struct nm_root *root, enum nm_knb_setting s, int *value);

/* Write VALUE. Returns 0 or -errno (-EACCES/-EROFS without privilege). */
int nm_knb_write(const struct nm_root *root, enum nm_knb_setting s, int value);

/* Save VALUE, the one to restore, in STATE_DIR (created 0700 if missing),
 * replacing the file atomically. Returns 0 or -errno. */
int nm_knb_save(const char *state_dir, enum nm_knb_setting s, int value);

/* The value saved in STATE_DIR. Returns 0, -ENOENT when none is saved, or
 * -errno (-EINVAL: not a value). */
int nm_knb_saved(const char *state_dir, enum nm_knb_setting s, int *value);

/* Forget the saved value (none saved is not an error). Returns 0 or -errno. */
int nm_knb_forget(const char *state_dir, enum nm_knb_setting s);

#ifdef __cplusplus
}
#endif
#endif
