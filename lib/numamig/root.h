/* root: the seam between libnumamig and the kernel's /proc and /sys.
 *
 * Every /proc and /sys read in libnumamig goes through a directory fd of the
 * file system root. On a live system that is "/"; in unit tests it is a
 * fixture tree captured from a real multi-node guest (tests/data/2n, ...),
 * so the parsers run unchanged on kernel output we could not produce on a
 * one-node build machine. A root also says whether it is live, because only
 * a live root has processes that pidfds and syscalls can reach.
 *
 * Part of the installed API: open a root, hand it to nm_topo_load(),
 * nm_proc_open() and nm_job_plan().
 */
#ifndef NUMAMIG_ROOT_H
#define NUMAMIG_ROOT_H


#ifdef __cplusplus
extern "C" {
#endif

struct nm_root;

/* Open PATH ("/" for the live system) as the root. Returns 0 or -errno. */
int nm_root_open(const char *path, struct nm_root **out);
void nm_root_free(struct nm_root *root);

#ifdef __cplusplus
}
#endif
#endif
