/* knb: kernel.numa_balancing. See numamig/knb.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numamig/knb.h"

#define KNB_PATH "proc/sys/kernel/numa_balancing"

int nm_knb_read(const struct nm_root *root, int *value)
{
	char *text, *end;
	long v;
	int r = nm_read_file_at(nm_root_fd(root), KNB_PATH, 64, &text, NULL);

	if (r < 0)
		return r;
	v = strtol(text, &end, 10);
	r = end == text || (*end && *end != '\n') || v < 0 || v > 255 ? -EINVAL : 0;
	free(text);
	if (r == 0)
		*value = (int)v;
	return r;
}

int nm_knb_write(const struct nm_root *root, int value)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", value), r = 0;
	int fd = openat(nm_root_fd(root), KNB_PATH, O_WRONLY | O_CLOEXEC | O_TRUNC);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
