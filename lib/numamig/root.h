/* root: the seam between libnumamig and the kernel's /proc and /sys.
 *
 * Every /proc and /sys read in libnumamig goes through a directory fd of the
 * file system root. On a live system that is "/"; in unit tests it is a
 * fixture tree captured from a real multi-node guest (tests/data/2n, ...),
 * so the parsers run unchanged on kernel output we could not produce on a
 * one-node build machine. A root also says whether it is live, because only
 * a live root has processes that pidfds and syscalls can reach.
 */
#ifndef NUMAMIG_ROOT_H
#define NUMAMIG_ROOT_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nm_root;

/* Open PATH ("/" for the live system) as the root. Returns 0 or -errno. */
int nm_root_open(const char *path, struct nm_root **out);
void nm_root_free(struct nm_root *root);

/* The O_PATH|O_DIRECTORY fd of the root; owned by the root. */
int nm_root_fd(const struct nm_root *root);

/* True when the root is the running system's "/". */
bool nm_root_is_live(const struct nm_root *root);

/* The path the root was opened with. */
const char *nm_root_path(const struct nm_root *root);

/* Read the whole of DIRFD/PATH into a fresh NUL-terminated buffer.
 * /proc and /sys files report a size of 0 or 4096, so this reads to EOF
 * instead of trusting st_size, retrying EINTR. A file of MAX bytes or more
 * is an error (-EFBIG), never silently truncated. Returns 0 or -errno; on
 * success *BUF must be freed by the caller and *LEN (if not NULL) is set. */
int nm_read_file_at(int dirfd, const char *path, size_t max, char **buf, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
