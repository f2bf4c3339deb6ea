/* proc: a pid-reuse-safe process handle. See numamig/proc.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>
#ifdef HAVE_SYS_PIDFD_H
#include <sys/pidfd.h>
#endif

#include "numamig/proc.h"
#include "numamig/procparse.h"
#include "numamig/file.h"
#include "numamig/procfs.h"
#include "api.h"

static int sys_pidfd_open(pid_t pid)
{
#if defined(HAVE_SYS_PIDFD_H) && defined(HAVE_PIDFD_OPEN)
	return pidfd_open(pid, 0);
#else
	return (int)syscall(SYS_pidfd_open, pid, 0);
#endif
}

/* /proc/TID of a thread opens like a process's: without a pidfd to say
 * otherwise (pidfd_open refuses thread ids), ask its status. */
static bool is_thread(int dirfd, pid_t pid)
{
	struct nm_status st;
	size_t len;
	char *text;
	bool thread = false;

	if (nm_read_file_at(dirfd, "status", 64 * 1024, &text, &len) < 0)
		return false;
	if (nm_status_parse(text, len, &st) == 0) {
		thread = st.tgid != pid;
		nm_status_clear(&st);
	}
	free(text);
	return thread;
}

NM_API int nm_proc_open(const struct nm_root *root, pid_t pid, struct nm_proc **out)
{
	struct nm_proc *p;
	char path[32];

	if (pid <= 0)
		return -ESRCH;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = pid;
	p->pidfd = -1;
	/* pidfd first: if the process is still alive after /proc/PID is
	 * opened, the directory must be its own (a pid is only reused after
	 * its previous owner is reaped). */
	if (nm_root_is_live(root)) {
		p->pidfd = sys_pidfd_open(pid);
		if (p->pidfd < 0 && errno != ENOSYS) {
			/* A thread id that is not a process's: EINVAL, or ENOENT
			 * on newer kernels; for us no such process either way. */
			int err = errno == EINVAL || errno == ENOENT ? -ESRCH : -errno;
			free(p);
			return err;
		}
	}
	snprintf(path, sizeof(path), "proc/%d", (int)pid);
	p->dirfd = openat(nm_root_fd(root), path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->dirfd < 0 || !nm_proc_alive(p) ||
	    (nm_root_is_live(root) && p->pidfd < 0 && is_thread(p->dirfd, pid))) {
		int err = p->dirfd < 0 && errno != ENOENT ? -errno : -ESRCH;
		nm_proc_close(p);
		return err;
	}
	*out = p;
	return 0;
}

NM_API void nm_proc_close(struct nm_proc *p)
{
	if (!p)
		return;
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->dirfd >= 0)
		close(p->dirfd);
	free(p);
}

/* Without a pidfd (a fixture root, or no pidfd_open: kernels before 5.3,
 * valgrind before 3.20) the /proc/PID dirfd still names this one process:
 * once it is reaped, lookups under it fail. A zombie keeps its stat, so
 * its state must also be neither Z nor X. */
static bool dir_alive(int dirfd)
{
	char *text, *close;
	bool alive = false;

	if (nm_read_file_at(dirfd, "stat", 4096, &text, NULL) < 0)
		return false;
	close = strrchr(text, ')');
	if (close && close[1] == ' ' && close[2])
		alive = close[2] != 'Z' && close[2] != 'X';
	free(text);
	return alive;
}

NM_API bool nm_proc_alive(const struct nm_proc *p)
{
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };

	int r;

	if (p->pidfd < 0)
		return dir_alive(p->dirfd);
	/* A pidfd polls readable once the process has exited. A signal is
	 * not a death: retry; any other poll failure asks /proc instead. */
	while ((r = poll(&pfd, 1, 0)) < 0 && errno == EINTR)
		;
	return r < 0 ? dir_alive(p->dirfd) : r == 0;
}

int nm_proc_read(const struct nm_proc *p, const char *relpath, size_t max,
		 char **buf, size_t *len)
{
	int r = nm_read_file_at(p->dirfd, relpath, max, buf, len);

	if (!nm_proc_alive(p)) {
		if (r == 0)
			free(*buf);
		return -ESRCH;
	}
	return r;
}

int nm_proc_write(const struct nm_proc *p, const char *relpath, const char *text)
{
	size_t len = strlen(text);
	struct statfs fs;
	int fd, err = 0;
	ssize_t w;

	/* Only the kernel's /proc is written to: a fixture tree is not a
	 * kernel, and writing to it would change the capture. (The pidfd
	 * does not tell: it is -1 on a live system where pidfd_open is
	 * missing, as under valgrind.) */
	if (fstatfs(p->dirfd, &fs) < 0 || fs.f_type != PROC_SUPER_MAGIC)
		return -EOPNOTSUPP;
	fd = openat(p->dirfd, relpath, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	while ((w = write(fd, text, len)) < 0 && errno == EINTR)
		;
	if (w < 0)
		err = -errno;
	else if ((size_t)w != len)
		err = -EIO;
	close(fd);
	return nm_proc_alive(p) ? err : -ESRCH;
}

int nm_proc_openat(const struct nm_proc *p, const char *relpath)
{
	int fd = openat(p->dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

int nm_proc_pagemap(const struct nm_proc *p, unsigned long start, size_t n, uint64_t *entries)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = nm_proc_openat(p, "pagemap");
	ssize_t got;

	if (fd < 0)
		return fd;
	got = pread(fd, entries, n * sizeof(*entries), (off_t)(start / (unsigned long)psz) * 8);
	close(fd);
	if (got < 0)
		return -errno;
	memset((char *)entries + got, 0, n * sizeof(*entries) - (size_t)got);
	return nm_proc_alive(p) ? 0 : -ESRCH;
}

int nm_proc_tids(const struct nm_proc *p, pid_t **tids)
{
	int fd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n = 0, cap = 16;
	pid_t *v = NULL;
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	v = malloc(cap * sizeof(*v));
	while (v && (de = readdir(dir))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (*end || tid <= 0)
			continue; /* "." and ".." */
		if (n == cap) {
			pid_t *w = realloc(v, (cap *= 2) * sizeof(*v));
			if (!w) {
				free(v);
				v = NULL;
				break;
			}
			v = w;
		}
		v[n++] = (pid_t)tid;
	}
	closedir(dir);
	if (!v)
		return -ENOMEM;
	*tids = v;
	return (int)n;
}

/* /proc/PID/maps of a process with 64k VMAs is about 6 MiB. */
#define PIDMAPS_MAX (16u << 20)

int nm_pidmaps_read(const struct nm_proc *proc, nm_pidmaps_fn fn, void *arg)
{
	char *text, *line, *save = NULL;
	int r = nm_proc_read(proc, "maps", PIDMAPS_MAX, &text, NULL);

	if (r < 0)
		return r;
	for (line = strtok_r(text, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		struct nm_pidmaps_line m;

		if (nm_pidmaps_parse_line(line, &m) == 0)
			r = fn(&m, arg);
	}
	free(text);
	return r;
}
