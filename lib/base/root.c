/* root: the seam between libnumamig and /proc and /sys. See numamig/root.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numamig/file.h"
#include "numamig/root.h"
#include "api.h"

struct nm_root {
	int fd;
	bool live;
	char *path;
};

NM_API int nm_root_open(const char *path, struct nm_root **out)
{
	struct nm_root *root;
	struct stat st, slash;

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	root->fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->fd < 0) {
		int err = -errno;
		free(root);
		return err;
	}
	root->path = strdup(path);
	if (!root->path) {
		nm_root_free(root);
		return -ENOMEM;
	}
	/* Compare inodes rather than strings: "/", "//" and "/." are all live. */
	root->live = fstat(root->fd, &st) == 0 && stat("/", &slash) == 0 &&
		     st.st_dev == slash.st_dev && st.st_ino == slash.st_ino;
	*out = root;
	return 0;
}

NM_API void nm_root_free(struct nm_root *root)
{
	if (!root)
		return;
	if (root->fd >= 0)
		close(root->fd);
	free(root->path);
	free(root);
}

int nm_root_fd(const struct nm_root *root)
{
	return root->fd;
}

bool nm_root_is_live(const struct nm_root *root)
{
	return root->live;
}

const char *nm_root_path(const struct nm_root *root)
{
	return root->path;
}

int nm_read_file_at(int dirfd, const char *path, size_t max, char **buf, size_t *len)
{
	int fd, r;

	/* Under a root, a leading '/' would escape it: paths are relative. */
	while (dirfd != AT_FDCWD && *path == '/')
		path++;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r = nm_read_fd(fd, max, buf, len);
	close(fd);
	return r;
}

int nm_read_ulong_at(int dirfd, const char *path, unsigned long *v)
{
	char *text, *end;
	int r = nm_read_file_at(dirfd, path, 64, &text, NULL);

	if (r < 0)
		return r;
	errno = 0;
	*v = strtoul(text, &end, 10);
	r = end == text || (*end && *end != '\n') || errno ? -EINVAL : 0;
	free(text);
	return r;
}

int nm_write_file_at(int dirfd, const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t w;
	int fd, r = 0;

	while (dirfd != AT_FDCWD && *path == '/')
		path++;
	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_TRUNC);
	if (fd < 0)
		return -errno;
	while ((w = write(fd, text, len)) < 0 && errno == EINTR)
		;
	if (w < 0)
		r = -errno;
	else if ((size_t)w != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
