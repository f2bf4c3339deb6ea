/* knb: kernel.numa_balancing. See numamig/knb.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "numamig/file.h"
#include "numamig/knb.h"

#define KNB_PATH "proc/sys/kernel/numa_balancing"
#define KNB_SAVED "kernel.numa_balancing.saved"

/* TEXT (freed here) as the sysctl's value: 0 or -EINVAL. */
static int parse_value(char *text, int *value)
{
	char *end;
	long v = strtol(text, &end, 10);
	int r = end == text || (*end && *end != '\n') || v < 0 || v > 255 ? -EINVAL : 0;

	free(text);
	if (r == 0)
		*value = (int)v;
	return r;
}

int nm_knb_read(const struct nm_root *root, int *value)
{
	char *text;
	int r = nm_read_file_at(nm_root_fd(root), KNB_PATH, 64, &text, NULL);

	return r < 0 ? r : parse_value(text, value);
}

int nm_knb_demotion(const struct nm_root *root, bool *on)
{
	char *text;
	int r = nm_read_file_at(nm_root_fd(root), "sys/kernel/mm/numa/demotion_enabled", 64, &text,
				NULL);

	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = 0;
	if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
		*on = true;
	else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
		*on = false;
	else
		r = -EINVAL;
	free(text);
	return r;
}

int nm_knb_write(const struct nm_root *root, int value)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d\n", value);
	return nm_write_file_at(nm_root_fd(root), KNB_PATH, buf);
}

/* STATE_DIR as a directory fd; created when CREATE and missing. */
static int open_state(const char *state_dir, bool create)
{
	int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0 && errno == ENOENT && create) {
		/* Mode 0700, as StateDirectoryMode's default. */
		if ((r = nm_make_dirs(state_dir, 0700)) < 0)
			return r;
		fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

static int print_value(FILE *f, const void *value)
{
	return fprintf(f, "%d\n", *(const int *)value) < 0 ? -EIO : 0;
}

int nm_knb_save(const char *state_dir, int value)
{
	int dfd = open_state(state_dir, true), r;

	if (dfd < 0)
		return dfd;
	r = nm_replace_file_at(dfd, KNB_SAVED, 0600, print_value, &value);
	close(dfd);
	return r;
}

int nm_knb_saved(const char *state_dir, int *value)
{
	int dfd = open_state(state_dir, false), fd, r;
	char *text = NULL;
	struct stat st;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, KNB_SAVED, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	close(dfd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else
		r = nm_read_fd(fd, 64, &text, NULL);
	close(fd);
	return r < 0 ? r : parse_value(text, value);
}

int nm_knb_forget(const char *state_dir)
{
	int dfd = open_state(state_dir, false), r = 0;

	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	if (unlinkat(dfd, KNB_SAVED, 0) < 0 && errno != ENOENT)
		r = -errno;
	close(dfd);
	return r;
}
