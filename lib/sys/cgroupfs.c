/* cgroupfs: the cgroup v2 hierarchy. See numamig/cgroupfs.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numamig/cgroupfs.h"
#include "numamig/file.h"

#define MOUNTINFO_MAX (4u << 20)
#define PROCS_MAX (64u << 20)  /* ~4M pids of 16 bytes */
#define MAX_DEPTH 64

struct nm_cgroupfs {
	int fd;
	char *mount;
};

/* mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SRC SUPER".
 * The mount point has spaces escaped as \040; cgroup mounts never do. */
static char *find_cgroup2(char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mnt[PATH_MAX], *dash = strstr(line, " - ");

		if (!dash || strncmp(dash + 3, "cgroup2 ", 8) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			return strdup(mnt);
	}
	return NULL;
}

int nm_cgfs_open(const struct nm_root *root, struct nm_cgroupfs **out)
{
	struct nm_cgroupfs *cg;
	char *text, *mnt;
	int r = nm_read_file_at(nm_root_fd(root), "proc/self/mountinfo", MOUNTINFO_MAX, &text, NULL);

	if (r < 0)
		return r;
	mnt = find_cgroup2(text);
	free(text);
	if (!mnt)
		return -ENOENT;
	cg = calloc(1, sizeof(*cg));
	if (!cg) {
		free(mnt);
		return -ENOMEM;
	}
	cg->mount = mnt;
	cg->fd = openat(nm_root_fd(root), mnt + 1, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cg->fd < 0) {
		r = -errno;
		nm_cgfs_free(cg);
		return r;
	}
	*out = cg;
	return 0;
}

void nm_cgfs_free(struct nm_cgroupfs *cg)
{
	if (!cg)
		return;
	if (cg->fd >= 0)
		close(cg->fd);
	free(cg->mount);
	free(cg);
}

const char *nm_cgfs_mount(const struct nm_cgroupfs *cg)
{
	return cg->mount + 1;
}

/* PATH is "/" or "/a/b"; openat wants "." or "a/b". */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

static bool is_dir(int dirfd, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN) /* cgroupfs fills d_type; some fixture fs may not */
		return de->d_type == DT_DIR;
	return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int walk(int dirfd, char *path, size_t len, int depth,
		int (*cb)(const char *path, void *arg), void *arg)
{
	struct dirent *de;
	DIR *dir;
	int r = cb(len ? path : "/", arg);

	if (r == NM_CGFS_PRUNE) {
		close(dirfd);
		return 0;
	}
	if (r || depth >= MAX_DEPTH) {
		close(dirfd);
		return r;
	}
	dir = fdopendir(dirfd);
	if (!dir) {
		close(dirfd);
		return 0;
	}
	while (!r && (de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		int sub;

		if (!is_dir(dirfd, de) || de->d_name[0] == '.' || len + n + 2 > PATH_MAX)
			continue;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed while we walked */
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		r = walk(sub, path, len + 1 + n, depth + 1, cb, arg);
		path[len] = '\0';
	}
	closedir(dir);
	return r;
}

int nm_cgfs_walk(const struct nm_cgroupfs *cg, int (*cb)(const char *path, void *arg), void *arg)
{
	char path[PATH_MAX] = "";
	int fd = openat(cg->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return walk(fd, path, 0, 0, cb, arg);
}

int nm_cgroup_path_norm(const char *path, char *out, size_t size)
{
	size_t len = strlen(path);

	if (path[0] != '/')
		return -EINVAL;
	if (len >= size)
		return -ENAMETOOLONG;
	while (len > 1 && path[len - 1] == '/')
		len--;
	for (size_t i = 1; i < len; i++) {
		const char *c = path + i;
		size_t n = strcspn(c, "/");

		if (n > len - i)
			n = len - i;
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return -EINVAL;
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)c[k] < 0x20 || c[k] == 0x7f)
				return -EINVAL;
		i += n;
	}
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

int nm_cgfs_procs(const struct nm_cgroupfs *cg, const char *path, pid_t **pids)
{
	char file[PATH_MAX], *text, *p, *end;
	size_t n = 0, len;
	pid_t *v;
	int r;

	if (snprintf(file, sizeof(file), "%s/cgroup.procs", rel(path)) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	r = nm_read_file_at(cg->fd, file, PROCS_MAX, &text, &len);
	if (r < 0)
		return r == -ENODEV ? -ENOENT : r;
	/* One pid per line: at most len / 2 of them. */
	v = malloc(sizeof(*v) * (len / 2 + 1));
	for (p = text; v && *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		/* Past INT_MAX the cast to pid_t would wrap to 0 or a negative
		 * pid, which kill() and migrate_pages() read as "self" or a group. */
		if (pid > 0 && pid <= INT_MAX)
			v[n++] = (pid_t)pid;
	}
	free(text);
	if (!v)
		return -ENOMEM;
	*pids = v;
	return (int)n;
}
