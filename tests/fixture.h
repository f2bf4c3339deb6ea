/* fixture: helpers for tests that read fixture trees or build throwaway
 * ones (for malformed inputs no real kernel prints). */
#ifndef NM_TEST_FIXTURE_H
#define NM_TEST_FIXTURE_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numamig/root.h"
#include "numamig/file.h"

/* Open the fixture tree tests/data/NAME as a root. */
static inline struct nm_root *fixture_root(const char *name)
{
	char path[PATH_MAX];
	struct nm_root *root = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/%s", NM_TEST_DATA, name);
	r = nm_root_open(path, &root);
	ck_assert_msg(r == 0, "cannot open fixture %s: %s", path, strerror(-r));
	ck_assert(!nm_root_is_live(root));
	return root;
}

/* Read tests/data/NAME whole into a malloc'd buffer. */
static inline char *fixture_text(const char *name, size_t *len)
{
	char path[PATH_MAX], *buf = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/%s", NM_TEST_DATA, name);
	r = nm_read_file_at(AT_FDCWD, path, 1 << 24, &buf, len);
	ck_assert_msg(r == 0, "cannot read fixture %s: %s", path, strerror(-r));
	return buf;
}

/* A throwaway tree: make_tree() returns its path; put() writes files. */
static inline char *make_tree(void)
{
	char *dir = strdup("/tmp/numamig-test-XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static inline void put(const char *tree, const char *rel, const char *text)
{
	char path[PATH_MAX], cmd[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	*strrchr(cmd, '/') = '\0';
	strcat(cmd, "'");
	ck_assert_int_eq(system(cmd), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static inline void remove_tree(char *tree)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	ck_assert_int_eq(system(cmd), 0);
	free(tree);
}

#endif
