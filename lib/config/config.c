/* config: finding and reading the files, turning YAML syntax errors into
 * diagnostics, and matching processes against the result. See
 * numamig/config.h; the keys are in config-keys.c and config-schema.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"

void nm_config_paths_init(struct nm_config_paths *paths)
{
	memset(paths, 0, sizeof(*paths));
	paths->main_file = NM_CONFIG_MAIN_FILE;
	paths->policy_dirs[0] = NM_CONFIG_POLICY_DIR;
	paths->policy_dirs[1] = NM_CONFIG_VENDOR_POLICY_DIR;
}

void nm_config_free(struct nm_config *config)
{
	if (!config)
		return;
	for (size_t i = 0; i < config->n_policies; i++)
		cfg_policy_clear(&config->policies[i]);
	free(config->policies);
	free(config->control_socket);
	free(config->metrics_file);
	free(config);
}

static struct nm_config *config_new(void)
{
	struct nm_config *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	/* One tick a second: residency needs a few hundred samples per tick
	 * to be meaningful, and the 1 %-of-a-core budget is per second. */
	c->interval_ms = 1000;
	/* Changing a kernel sysctl is the operator's call, not ours. */
	c->kernel_numa_balancing = NM_KNB_KEEP;
	c->control_socket = strdup("/run/numamigd/io.numamigd");
	c->metrics_file = strdup("");
	/* Reading numa_maps costs the kernel a page-table walk per line: 2 GiB
	 * in 4096 VMAs is 294 KiB of text and took 9.8 ms here (30 MB/s), so
	 * 1 MiB per tick reads a 10k-VMA process at once and keeps a saturated
	 * tick to a few percent of a core; the typical tick reads far less. */
	c->scan_budget_bytes = 1 << 20;
	/* Each induced fault costs the writing thread about a microsecond and
	 * us a ring record: 10,000/s is about 1 % of a CPU, and a fraction of
	 * the hint faults kernel NUMA balancing takes on a busy 2-node host. */
	c->fault_budget = 10000;
	/* The clear walks the process's page tables (14 ms for 64 MiB in a
	 * TCG guest): 1 % of a CPU. */
	c->clear_budget_us = 10000;
	c->job_rate_bps = 256ull << 20;  /* as a policy's rate_limit */
	if (!c->control_socket || !c->metrics_file) {
		nm_config_free(c);
		return NULL;
	}
	return c;
}

static int loader_init(struct cfg_loader *ld, struct nm_config_diags *diags)
{
	memset(ld, 0, sizeof(*ld));
	ld->diags = diags;
	ld->config = config_new();
	if (!ld->config || cfg_policy_builtin(&ld->defaults.p) < 0) {
		nm_config_free(ld->config);
		cfg_policy_clear(&ld->defaults.p);
		return -ENOMEM;
	}
	return 0;
}

/* Hand over the config if nothing since ERRORS0 was an error. */
static int loader_finish(struct cfg_loader *ld, size_t errors0, struct nm_config **out)
{
	cfg_policy_clear(&ld->defaults.p);
	free(ld->name_at);
	if (ld->diags->errors > errors0) {
		nm_config_free(ld->config);
		return -EINVAL;
	}
	*out = ld->config;
	return 0;
}

/* libyaml reports reader errors (bad UTF-8) as a byte offset only. */
static struct cfg_loc offset_loc(const char *file, const char *text, size_t off)
{
	struct cfg_loc loc = { file, 1, 1 };

	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n')
			loc.line++, loc.col = 1;
		else if (((unsigned char)text[i] & 0xc0) != 0x80)
			loc.col++;
	}
	return loc;
}

static void syntax_error(struct cfg_loader *ld, const char *file, const char *text,
			 size_t len, const yaml_parser_t *p)
{
	struct cfg_loc loc = { file, (int)p->problem_mark.line + 1,
			       (int)p->problem_mark.column + 1 };

	if (p->error == YAML_MEMORY_ERROR) {
		loc.line = 0;
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "out of memory");
	} else if (p->error == YAML_READER_ERROR) {
		loc = offset_loc(file, text, p->problem_offset < len ? p->problem_offset : len);
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "%s", p->problem);
	} else if (p->context && p->problem) {
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "syntax error: %s (%s at line %d, column %d)",
			 p->problem, p->context, (int)p->context_mark.line + 1,
			 (int)p->context_mark.column + 1);
	} else {
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "syntax error: %s",
			 p->problem ? p->problem : "unknown");
	}
}

/* Parse TEXT into DOC. Reports and returns false on a syntax error. */
static bool parse(struct cfg_loader *ld, const char *file, const char *text, size_t len,
		  yaml_document_t *doc)
{
	yaml_parser_t p;
	yaml_document_t extra;
	yaml_node_t *root;
	bool ok;

	if (!yaml_parser_initialize(&p)) {
		struct cfg_loc loc = { file, 0, 0 };

		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "out of memory");
		return false;
	}
	if (!cfg_guard_yaml(ld, file, text, len)) {
		yaml_parser_delete(&p);
		return false;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	ok = yaml_parser_load(&p, doc);
	if (!ok) {
		syntax_error(ld, file, text, len, &p);
	} else if (!yaml_parser_load(&p, &extra)) {
		/* The rest of the stream must parse too. */
		syntax_error(ld, file, text, len, &p);
		yaml_document_delete(doc);
		ok = false;
	} else {
		root = yaml_document_get_root_node(&extra);
		if (root) {
			struct cfg_loc loc = { file, (int)root->start_mark.line + 1,
					       (int)root->start_mark.column + 1 };

			cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc,
				 "a second YAML document ('---'); a file holds one");
			yaml_document_delete(doc);
			ok = false;
		}
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&p);
	return ok;
}

enum load_kind {
	LOAD_MAIN,              /* numamigd.yaml; missing: the defaults */
	LOAD_MAIN_REQUIRED,     /* --config FILE */
	LOAD_POLICY,            /* a policy file */
	LOAD_POLICY_MASK,       /* one that masks a lower directory's file */
};

static void load_text(struct cfg_loader *ld, const char *file, const char *text, size_t len,
		      enum load_kind kind)
{
	yaml_document_t doc;

	if (!parse(ld, file, text, len, &doc))
		return;
	if (kind == LOAD_POLICY && !yaml_document_get_root_node(&doc)) {
		/* Masking is the one use of an empty policy file; otherwise it is
		 * most likely one caught half-written, and a reload that took it
		 * would drop its policies: refused, the old config is kept. */
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &(struct cfg_loc){ file, 0, 0 },
			 "empty, and masks no file of a lower directory: a policy file holds "
			 "a 'policies:' list (write 'policies: []' for none)");
	} else if (kind == LOAD_MAIN || kind == LOAD_MAIN_REQUIRED) {
		cfg_walk_main(ld, file, &doc);
	} else {
		cfg_walk_policies(ld, file, &doc);
	}
	yaml_document_delete(&doc);
}

static void load_file(struct cfg_loader *ld, const char *path, enum load_kind kind)
{
	struct cfg_loc loc = { path, 0, 0 };
	char *text = NULL;
	size_t len = 0;
	int r = cfg_read_file(ld, path, &text, &len);

	if (r == -ENOENT && kind == LOAD_MAIN)
		cfg_diag(ld->diags, NM_CONFIG_NOTE, &loc, "not found; using built-in defaults");
	else if (r == -ENOENT)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "cannot read: %s", strerror(ENOENT));
	else if (r == 0)
		load_text(ld, path, text, len, kind);
	free(text);
}

/* ---- policy directories ---- */

struct entry {
	char *name;
	const char *dir;
	bool masks;             /* a lower directory has this name too */
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

static bool is_policy_file(struct cfg_loader *ld, const char *dir, const char *name)
{
	size_t n = strlen(name);
	char path[PATH_MAX];

	if (name[0] == '.')
		return false;
	if (n > 5 && strcmp(name + n - 5, ".yaml") == 0)
		return true;
	if (n > 4 && strcmp(name + n - 4, ".yml") == 0) {
		struct cfg_loc loc = { path, 0, 0 };

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		cfg_diag(ld->diags, NM_CONFIG_WARNING, &loc,
			 "ignored: only files named *.yaml are read");
	}
	return false;
}

static bool seen(struct entries *e, const char *name)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i].name, name) == 0)
			return e->v[i].masks = true; /* an earlier directory masks this one */
	return false;
}

static int add_entry(struct entries *e, const char *dir, const char *name)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? 2 * e->cap : 16;
		struct entry *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n].name = strdup(name);
	e->v[e->n].dir = dir;
	e->v[e->n].masks = false;
	return e->v[e->n].name ? (e->n++, 0) : -ENOMEM;
}

static void scan_dir(struct cfg_loader *ld, const char *dir, struct entries *e)
{
	struct cfg_loc loc = { dir, 0, 0 };
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT) /* no directory: no policies from it */
			cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "cannot read directory: %s",
				 strerror(errno));
		return;
	}
	if (!cfg_check_dir(ld, dir, dirfd(d))) {
		closedir(d);
		return;
	}
	while ((de = readdir(d)))
		if (is_policy_file(ld, dir, de->d_name) && !seen(e, de->d_name) &&
		    add_entry(e, dir, de->d_name) < 0)
			cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "out of memory");
	closedir(d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static void load_dirs(struct cfg_loader *ld, const char *const *dirs)
{
	struct entries e = { 0 };
	char path[PATH_MAX];

	for (size_t i = 0; i < NM_CONFIG_MAX_DIRS && dirs[i]; i++)
		scan_dir(ld, dirs[i], &e);
	if (e.n)
		qsort(e.v, e.n, sizeof(*e.v), by_name);
	for (size_t i = 0; i < e.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", e.v[i].dir, e.v[i].name);
		load_file(ld, path, e.v[i].masks ? LOAD_POLICY_MASK : LOAD_POLICY);
		free(e.v[i].name);
	}
	free(e.v);
}

int nm_config_load(const struct nm_config_paths *paths, struct nm_config **out,
		   struct nm_config_diags *diags)
{
	struct nm_config_paths defaults;
	struct cfg_loader ld;
	size_t errors0 = diags->errors;

	*out = NULL;
	if (!paths) {
		nm_config_paths_init(&defaults);
		paths = &defaults;
	}
	if (loader_init(&ld, diags) < 0)
		return -ENOMEM;
	if (paths->main_file)
		load_file(&ld, paths->main_file, paths->main_required ? LOAD_MAIN_REQUIRED : LOAD_MAIN);
	load_dirs(&ld, paths->policy_dirs);
	if (ld.config->n_policies == 0 && paths->policy_dirs[0]) {
		struct cfg_loc loc = { paths->policy_dirs[0], 0, 0 };

		cfg_diag(diags, NM_CONFIG_NOTE, &loc, "no policies: nothing will be managed");
	}
	return loader_finish(&ld, errors0, out);
}

int nm_config_load_text(const char *name, const char *text, size_t len,
			struct nm_config **out, struct nm_config_diags *diags)
{
	struct cfg_loader ld;
	size_t errors0 = diags->errors;

	*out = NULL;
	if (loader_init(&ld, diags) < 0)
		return -ENOMEM;
	load_text(&ld, name, text, len, LOAD_MAIN);
	return loader_finish(&ld, errors0, out);
}

/* ---- matching ---- */

/* GLOB against PATH and each of its ancestors, "/" last. */
static bool cgroup_matches(const char *glob, const char *path)
{
	char buf[PATH_MAX], *slash;

	if (strlen(path) >= sizeof(buf) || path[0] != '/')
		return false;
	strcpy(buf, path);
	for (;;) {
		if (fnmatch(glob, buf, FNM_PATHNAME) == 0)
			return true;
		slash = strrchr(buf, '/');
		if (slash == buf) {
			if (!buf[1])
				return false; /* "/" was just tried */
			buf[1] = '\0';
		} else {
			*slash = '\0';
		}
	}
}

static bool comm_matches(const struct nm_policy *p, const char *comm)
{
	if (p->n_match_comm == 0)
		return true;
	for (size_t i = 0; comm && i < p->n_match_comm; i++)
		if (strcmp(p->match_comm[i], comm) == 0)
			return true;
	return false;
}

const struct nm_policy *nm_config_match(const struct nm_config *config,
					const char *cgroup, const char *comm)
{
	for (size_t i = 0; cgroup && i < config->n_policies; i++) {
		const struct nm_policy *p = &config->policies[i];

		if (comm_matches(p, comm) && cgroup_matches(p->match_cgroup, cgroup))
			return p;
	}
	return NULL;
}

/* Could GLOB match a cgroup below PATH? Its first components match
 * PATH's, component by component, and it has more of them. fnmatch's
 * FNM_PATHNAME keeps '*' inside a component, so a component of the glob
 * only ever matches a component of the path. */
static bool may_match_below(const char *glob, const char *path)
{
	char g[PATH_MAX], p[PATH_MAX], *gs = NULL, *ps = NULL, *gc, *pc;

	if (strlen(glob) >= sizeof(g) || strlen(path) >= sizeof(p))
		return true; /* cannot tell: look */
	strcpy(g, glob);
	strcpy(p, path);
	gc = strtok_r(g, "/", &gs);
	for (pc = strtok_r(p, "/", &ps); pc; pc = strtok_r(NULL, "/", &ps)) {
		if (!gc || fnmatch(gc, pc, 0) != 0)
			return false;
		gc = strtok_r(NULL, "/", &gs);
	}
	return gc != NULL;
}

enum nm_config_scope nm_config_cgroup_scope(const struct nm_config *config, const char *cgroup)
{
	enum nm_config_scope scope = NM_SCOPE_NONE;

	for (size_t i = 0; i < config->n_policies; i++) {
		const struct nm_policy *p = &config->policies[i];

		if (p->mode == NM_MODE_OFF)
			continue;
		if (cgroup_matches(p->match_cgroup, cgroup))
			return NM_SCOPE_HERE;
		if (scope == NM_SCOPE_NONE && may_match_below(p->match_cgroup, cgroup))
			scope = NM_SCOPE_BELOW;
	}
	return scope;
}

bool nm_config_wants_cgroup(const struct nm_config *config, const char *cgroup)
{
	for (size_t i = 0; cgroup && i < config->n_policies; i++) {
		const struct nm_policy *p = &config->policies[i];

		if (p->mode != NM_MODE_OFF && cgroup_matches(p->match_cgroup, cgroup))
			return true;
	}
	return false;
}
