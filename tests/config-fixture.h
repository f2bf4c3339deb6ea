/* config-fixture: helpers shared by the config tests (test-config.c for
 * values, keys and diagnostics; test-config-files.c for directories,
 * printing, matching and garbage). Fixtures are in tests/data/config. */
#ifndef NM_CONFIG_FIXTURE_H
#define NM_CONFIG_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "numamig/config.h"
#include "numamig/set.h"
#include "fixture.h"

#define CFG NM_TEST_DATA "/config/"

static inline char *diag_str(const struct nm_config_diags *d, size_t i)
{
	static char buf[1024];

	ck_assert_uint_lt(i, d->n);
	nm_config_diag_format(&d->v[i], buf, sizeof(buf));
	return buf;
}

/* The diagnostics must be exactly WANT (NULL-terminated), in order, with
 * the fixture directory prefix left out of WANT. */
static inline void assert_diags(const struct nm_config_diags *d, const char *const *want)
{
	size_t n = 0;

	for (; want[n]; n++) {
		char full[1024];

		snprintf(full, sizeof(full), "%s%s", want[n][0] == '/' ? "" : CFG, want[n]);
		ck_assert_msg(n < d->n, "missing diagnostic: %s", full);
		ck_assert_str_eq(diag_str(d, n), full);
	}
	if (d->n > n)
		ck_abort_msg("unexpected diagnostic: %s", diag_str(d, n));
}

static inline struct nm_config *load_main(const char *name, struct nm_config_diags *d, int want)
{
	struct nm_config_paths p = { .main_file = name, .main_required = true };
	struct nm_config *c = NULL;

	nm_config_diags_init(d);
	ck_assert_int_eq(nm_config_load(&p, &c, d), want);
	ck_assert(want == 0 ? c != NULL : c == NULL);
	return c;
}

static inline struct nm_config *load_str(const char *text, struct nm_config_diags *d)
{
	struct nm_config *c = NULL;

	nm_config_diags_init(d);
	nm_config_load_text("t.yaml", text, strlen(text), &c, d);
	return c;
}

static inline char *print_str(const struct nm_config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(nm_config_print(c, f), 0);
	fclose(f);
	return text;
}

static inline const char *nodes_str(const struct nm_policy *p)
{
	static char buf[256];

	if (!p->nodes)
		return "all";
	nm_set_format(p->nodes, buf, sizeof(buf));
	return buf;
}

static inline struct nm_config *load_dirs(const char *main, const char *etc, const char *vendor,
				   struct nm_config_diags *d, int want)
{
	struct nm_config_paths p = { .main_file = main };
	struct nm_config *c = NULL;

	p.policy_dirs[0] = etc;
	p.policy_dirs[1] = vendor;
	nm_config_diags_init(d);
	ck_assert_int_eq(nm_config_load(&p, &c, d), want);
	return c;
}

static inline void assert_roundtrip(const struct nm_config *c)
{
	struct nm_config_diags d;
	char *text = print_str(c);
	struct nm_config *back = load_str(text, &d);

	ck_assert_msg(back != NULL, "printed config does not load:\n%s\n%s", text,
		      d.n ? diag_str(&d, 0) : "");
	ck_assert_uint_eq(d.n, 0);
	/* The hash is of the printed form without the where-defined
	 * comments, so equal hashes mean equal printed configs. */
	ck_assert_uint_eq(nm_config_hash(back), nm_config_hash(c));
	ck_assert_uint_eq(back->n_policies, c->n_policies);
	nm_config_free(back);
	nm_config_diags_clear(&d);
	free(text);
}

#endif
