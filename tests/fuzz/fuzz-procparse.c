/* fuzz-procparse: the /proc/PID files a process controls the text of:
 * stat (its comm may hold spaces, ')' and newlines), status, cgroup (its
 * cgroup names) and maps (its file names). Every parser gets every input,
 * so one corpus covers all four and a stat seed can mutate into a
 * status-shaped crash. */
#include <errno.h>

#include "numamig/procparse.h"
#include "fuzz.h"

static void stat_file(const uint8_t *data, size_t size)
{
	struct nm_stat st;

	/* A copy of exactly SIZE bytes, not NUL-terminated, so ASan catches a
	 * read past LEN (the parser takes a length, not a string). */
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return;
	memcpy(buf, data, size);
	if (nm_stat_parse(buf, size, &st) == 0) {
		FUZZ_CHECK(st.pid > 0);
		FUZZ_CHECK(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
	}
	free(buf);
}

static void status_file(const uint8_t *data, size_t size)
{
	struct nm_status st;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return;
	memcpy(buf, data, size);
	if (nm_status_parse(buf, size, &st) == 0) {
		FUZZ_CHECK(st.tgid > 0 && st.cpus_allowed && st.mems_allowed);
		nm_status_clear(&st);
	} else {
		/* A failed parse must leave nothing to free. */
		FUZZ_CHECK(!st.cpus_allowed && !st.mems_allowed);
	}
	free(buf);
}

static void cgroup_file(const uint8_t *data, size_t size)
{
	struct nm_cgroup_path cg;
	char *buf = malloc(size ? size : 1);

	if (!buf)
		return;
	memcpy(buf, data, size);
	if (nm_cgroup_path_parse(buf, size, &cg) == 0) {
		FUZZ_CHECK(!cg.unified || cg.unified[0] == '/');
		nm_cgroup_path_clear(&cg);
	} else {
		FUZZ_CHECK(!cg.unified && !cg.cpuset && !cg.memory);
	}
	free(buf);
}

/* maps lines are read with fgets-like splitting, then parsed as strings. */
static void maps_file(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *line, *save = NULL;
	struct nm_pidmaps_line m;

	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (nm_pidmaps_parse_line(line, &m) == 0) {
			FUZZ_CHECK(m.start < m.end && strlen(m.perms) == 4);
			FUZZ_CHECK(m.path >= line && m.path <= line + strlen(line));
		}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	stat_file(data, size);
	status_file(data, size);
	cgroup_file(data, size);
	maps_file(data, size);
	return 0;
}
