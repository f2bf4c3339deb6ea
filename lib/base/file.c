/* file: whole files, read and replaced safely. See numamig/file.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numamig/file.h"

int nm_read_fd(int fd, size_t max, char **buf, size_t *len)
{
	size_t cap = max < 4096 ? max : 4096, n = 0;
	char *p = malloc(cap + 1);

	if (!p)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *q;

			if (cap >= max) {
				free(p);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			q = realloc(p, cap + 1);
			if (!q) {
				free(p);
				return -ENOMEM;
			}
			p = q;
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;
			free(p);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	*buf = p;
	if (len)
		*len = n;
	return 0;
}

int nm_make_dirs(const char *path, mode_t mode)
{
	char *p = strdup(path);
	int r = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = strchr(p + 1, '/'); s && r == 0; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			r = -errno;
		*s = '/';
	}
	if (r == 0 && mkdir(p, mode) < 0 && errno != EEXIST)
		r = -errno;
	free(p);
	return r;
}

/* A new file in DFD with a random name, "." BASE "." hex ".tmp" (hidden,
 * and matching no *.prom or *.yaml glob, so readers of the directory skip
 * it), its name left in NAME. O_EXCL with O_CREAT never follows a link nor
 * opens an existing file, so a name planted in the directory cannot
 * redirect the write; O_NONBLOCK keeps a FIFO from blocking us. glibc's
 * mkostemp takes a path, not a directory fd, hence the hand-made name. */
static int open_temp(int dfd, const char *base, char *name, size_t size)
{
	for (int tries = 0; tries < 16; tries++) {
		uint64_t rnd;
		int fd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -errno;
		snprintf(name, size, ".%s.%016" PRIx64 ".tmp", base, rnd);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK |
			    O_NOCTTY | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/* PRINT into the new file FD (closed here): a regular file with one link
 * (not one somebody linked elsewhere meanwhile), of MODE whatever our
 * umask. */
static int fill_temp(int fd, mode_t mode, int (*print)(FILE *f, const void *arg),
		     const void *arg)
{
	struct stat st;
	FILE *f;
	int r;

	if (fstat(fd, &st) < 0 || fchmod(fd, mode) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return -EEXIST;
	}
	f = fdopen(fd, "w");
	if (!f) {
		r = -errno;
		close(fd);
		return r;
	}
	r = print(f, arg);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

int nm_replace_file_at(int dfd, const char *name, mode_t mode,
		       int (*print)(FILE *f, const void *arg), const void *arg)
{
	char tmp[NAME_MAX + 1];
	int fd, r;

	if (!*name || strchr(name, '/') || strlen(name) > NAME_MAX - 22)
		return -EINVAL;
	fd = open_temp(dfd, name, tmp, sizeof(tmp));
	if (fd < 0)
		return fd;
	r = fill_temp(fd, mode, print, arg);
	/* rename replaces a link planted at NAME itself, never its target. */
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}
