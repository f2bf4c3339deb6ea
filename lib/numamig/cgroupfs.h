/* cgroupfs: the cgroup v2 hierarchy, where numamigd finds the processes a
 * policy manages (through cgroup.procs, not by walking all of /proc).
 *
 * The v2 mount is found in /proc/self/mountinfo: /sys/fs/cgroup on a pure
 * v2 system (the VM guests, modern distributions), /sys/fs/cgroup/unified
 * on a hybrid one (v1 controllers beside it, like this project's build
 * machine). It is read through an O_PATH dirfd with openat(), never by
 * string paths, so a fixture tree works the same way.
 *
 * Why not libcgroup: libcgroup 2.0.2 (Debian 12) cannot parse the "0::"
 * line, crashes in cg_build_path() on a NULL controller, and on a hybrid
 * system reports the v2 mount as the "hugetlb" controller's. Its v1
 * controller discovery works, but numamigd needs only v2 directories and
 * two files, which openat() reads directly.
 *
 * A cgroup can vanish mid-walk: ENOENT and ENODEV there are normal and skip
 * that cgroup silently.
 */
#ifndef NUMAMIG_CGROUPFS_H
#define NUMAMIG_CGROUPFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nm_cgroupfs;

/* Find and open the cgroup v2 mount under ROOT. -ENOENT if there is none. */
int nm_cgfs_open(const struct nm_root *root, struct nm_cgroupfs **out);
void nm_cgfs_free(struct nm_cgroupfs *cg);

/* The mount point, relative to the root ("sys/fs/cgroup/unified"). */
const char *nm_cgfs_mount(const struct nm_cgroupfs *cg);

/* Visit every cgroup depth first, parents before children, with its path
 * as /proc/PID/cgroup spells it ("/", "/system.slice/x.service"). CB
 * returns 0 to go on into the cgroup's children, NM_CGFS_PRUNE to skip
 * them (a subtree nobody is interested in: thousands of cgroups a user
 * may create under a delegated slice), anything else to stop the walk,
 * which then returns it. Depth is bounded (the kernel's default
 * cgroup.max.depth is unlimited; we stop at 64). */
#define NM_CGFS_PRUNE 1
int nm_cgfs_walk(const struct nm_cgroupfs *cg, int (*cb)(const char *path, void *arg),
		 void *arg);

/* PATH as a cgroup v2 path in canonical form into OUT (SIZE bytes): it
 * starts with '/', has no empty, "." or ".." component and no control
 * character, and loses trailing slashes ("/a/b/" -> "/a/b"). Returns 0, or
 * -EINVAL (a path that could name another cgroup than it seems to, like
 * "/../x", or none), or -ENAMETOOLONG. Pure. */
int nm_cgroup_path_norm(const char *path, char *out, size_t size);

/* The pids in PATH's cgroup.procs, into a new array. Returns the count or
 * -errno (-ENOENT when the cgroup is gone). */
int nm_cgfs_procs(const struct nm_cgroupfs *cg, const char *path, pid_t **pids);

#ifdef __cplusplus
}
#endif
#endif
