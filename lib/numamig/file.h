/* file: whole files, read and replaced safely, and what the library
 * itself needs of a root (numamig/root.h): its directory fd, its path,
 * whether it is the live system. Internal to libnumamig.
 *
 * Reading: /proc and /sys report sizes of 0 or 4096, so a file is read to
 * EOF into a growing buffer, never trusting st_size, and never past a
 * bound. Replacing: the daemon writes files (metrics, saved kernel
 * settings) as root into directories others may be able to write to; a
 * new file of a random name, created exclusively, is filled and renamed
 * over the old one, so a reader never sees half a file and nothing
 * planted in the directory can redirect or block the write.
 */
#ifndef NUMAMIG_FILE_H
#define NUMAMIG_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "numamig/root.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Read FD to EOF into a fresh NUL-terminated buffer, retrying EINTR. A
 * file of MAX bytes or more is an error (-EFBIG), never silently
 * truncated. Returns 0 or -errno; on success *BUF must be freed by the
 * caller and *LEN (if not NULL) is set. FD stays open. */
int nm_read_fd(int fd, size_t max, char **buf, size_t *len);

/* mkdir -p PATH: missing parents 0755, PATH itself MODE (umask applies).
 * Returns 0 or -errno. */
int nm_make_dirs(const char *path, mode_t mode);

/* Replace DFD/NAME (a file name, at most NAME_MAX - 22 bytes) with what
 * PRINT writes, as a regular file of MODE. PRINT returns 0 or -errno.
 * Returns 0 or -errno; on failure NAME is unchanged and no temporary file
 * is left. */
int nm_replace_file_at(int dfd, const char *name, mode_t mode,
		       int (*print)(FILE *f, const void *arg), const void *arg);

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

/* DIRFD/PATH as one decimal number (a sysfs attribute), a newline allowed
 * after it. Returns 0 or -errno (-EINVAL: not a number). */
int nm_read_ulong_at(int dirfd, const char *path, unsigned long *v);

/* Write TEXT to the existing file DIRFD/PATH in one write() (a sysctl or
 * sysfs setting takes its value from one write), truncating it, retrying
 * EINTR. Returns 0 or -errno (-EIO: written in part). */
int nm_write_file_at(int dirfd, const char *path, const char *text);

#ifdef __cplusplus
}
#endif
#endif
