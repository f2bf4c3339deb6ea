/* config-schema: the keys of both kinds of file, and the walk of one libyaml
 * document into struct nm_config and struct nm_policy.
 *
 * Each key is a row of a table (name, kind, where it is stored, its range),
 * so parsing, range checks, "did you mean" and printing all follow from the
 * same rows. Nested keys are spelt with a dot ("batch.min"). The walk
 * reports a problem and goes on with the next key, so one load lists
 * everything that is wrong.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "numamig/set.h"

struct walk {
	struct cfg_loader *ld;
	const char *file;
	yaml_document_t *doc;
	const struct cfg_key *table;
	void *base;                 /* struct nm_policy or struct nm_config */
	struct cfg_policy *cp;      /* while walking a policy or the defaults */
	bool defaults;
	yaml_node_t *policies;      /* main file: walked after everything else */
};

static struct cfg_loc at(const struct walk *w, const yaml_node_t *n)
{
	return (struct cfg_loc){ w->file, (int)n->start_mark.line + 1,
				 (int)n->start_mark.column + 1 };
}

#define ERR(w, n, ...) do { struct cfg_loc l_ = at(w, n); \
	cfg_diag((w)->ld->diags, NM_CONFIG_ERROR, &l_, __VA_ARGS__); } while (0)
#define WARN(w, n, ...) do { struct cfg_loc l_ = at(w, n); \
	cfg_diag((w)->ld->diags, NM_CONFIG_WARNING, &l_, __VA_ARGS__); } while (0)

static void *field_at(const struct walk *w, size_t off)
{
	return (char *)w->base + off;
}

/* Where key K is stored in the struct being filled. */
static void *field(const struct walk *w, const struct cfg_key *k)
{
	return field_at(w, k->off);
}

static const char *type_name(const yaml_node_t *n)
{
	return n->type == YAML_SEQUENCE_NODE ? "list" :
	       n->type == YAML_MAPPING_NODE ? "mapping" : "single value";
}

/* The text of a scalar node, or NULL (reported) for anything else. */
static const char *scalar(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE) {
		ERR(w, n, "'%s' expects %s, not a %s", k->name, k->what, type_name(n));
		return NULL;
	}
	if (strlen(s) != n->data.scalar.length) {
		ERR(w, n, "'%s' contains a NUL character", k->name);
		return NULL;
	}
	if (n->data.scalar.length > CFG_STRING_MAX) {
		ERR(w, n, "'%s' is %zu bytes long; values have at most %d", k->name,
		    n->data.scalar.length, CFG_STRING_MAX);
		return NULL;
	}
	return s;
}

/* Numbers go to uint64_t or unsigned fields; the range check came first. */
static void store_uint(const struct walk *w, const struct cfg_key *k, uint64_t v)
{
	if (k->width == sizeof(uint64_t))
		*(uint64_t *)field(w, k) = v;
	else
		*(unsigned *)field(w, k) = (unsigned)v;
}

static void apply_number(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	const char *s = scalar(w, k, n), *why = NULL;
	char q[64], lo[32], hi[32], got[32];
	uint64_t v;

	if (!s)
		return;
	if (cfg_parse_kind(k, s, &v, &why) < 0) {
		ERR(w, n, "invalid %s '%s' for '%s': %s", cfg_kind_noun(k->kind),
		    cfg_quote(s, q, sizeof(q)), k->name, why);
		return;
	}
	if (v < k->lo || v > k->hi) {
		cfg_format_kind(k, k->lo, lo, sizeof(lo));
		cfg_format_kind(k, k->hi, hi, sizeof(hi));
		cfg_format_kind(k, v, got, sizeof(got));
		ERR(w, n, "'%s' must be between %s and %s%s%s (got %s)", k->name, lo, hi,
		    k->range_why ? ": " : "", k->range_why ? k->range_why : "", got);
		return;
	}
	store_uint(w, k, v);
}

static void apply_enum(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	const char *s = scalar(w, k, n);
	char q[64], hint[96];
	int i;

	if (!s)
		return;
	i = cfg_enum_index(k->names, s);
	if (i < 0) {
		cfg_did_you_mean(s, k->names, hint, sizeof(hint));
		ERR(w, n, "invalid value '%s' for '%s': expected %s%s",
		    cfg_quote(s, q, sizeof(q)), k->name, k->what, hint);
		return;
	}
	if (k->kind == CFG_K_BOOL) /* names alternate: true, false, yes, no, ... */
		*(bool *)field(w, k) = i % 2 == 0;
	else
		*(int *)field(w, k) = i;
}

static bool check_text(struct walk *w, const struct cfg_key *k, yaml_node_t *n,
		       const char *s)
{
	const char *why = k->check ? k->check(s) : NULL;
	char q[64];

	if (why)
		ERR(w, n, "invalid %s '%s' for '%s': %s", cfg_kind_noun(k->kind),
		    cfg_quote(s, q, sizeof(q)), k->name, why);
	return !why;
}

static void apply_string(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	char **slot = (char **)field(w, k);
	const char *s = scalar(w, k, n);
	char *copy;

	if (!s || !check_text(w, k, n, s))
		return;
	copy = strdup(s);
	if (!copy) {
		ERR(w, n, "out of memory");
		return;
	}
	free(*slot);
	*slot = copy;
}

static void apply_list(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	char ***slot = (char ***)field(w, k);
	size_t *count = (size_t *)field_at(w, k->count_off);
	yaml_node_item_t *it;
	char **v;
	size_t m = 0, len;

	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(w, n, "'%s' expects %s, not a %s", k->name, k->what, type_name(n));
		return;
	}
	it = n->data.sequence.items.start;
	len = (size_t)(n->data.sequence.items.top - it);
	if (len > CFG_LIST_MAX) {
		ERR(w, n, "'%s' has %zu entries; at most %d are allowed", k->name, len,
		    CFG_LIST_MAX);
		return;
	}
	v = calloc(len ? len : 1, sizeof(*v));
	if (!v) {
		ERR(w, n, "out of memory");
		return;
	}
	for (size_t i = 0; i < len; i++) {
		yaml_node_t *e = yaml_document_get_node(w->doc, it[i]);
		const char *s = e ? scalar(w, k, e) : NULL;

		if (s && check_text(w, k, e, s) && !(v[m++] = strdup(s)))
			ERR(w, e, "out of memory");
	}
	cfg_strv_free(*slot, *count);
	*slot = v;
	*count = m;
}

/* A node list as text: a scalar "0-1,3" or "all", or a list [0, 1, "4-5"]. */
static char *nodes_text(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	char *text, *grown;
	size_t len = 0;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = scalar(w, k, n);

		return s ? strdup(s) : NULL;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(w, n, "'%s' expects %s, not a %s", k->name, k->what, type_name(n));
		return NULL;
	}
	text = calloc(1, 1);
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     text && it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(w->doc, *it);
		const char *s = e ? scalar(w, k, e) : NULL;

		if (!s || !*s || strcmp(s, "all") == 0 || len > CFG_LIST_MAX * 8) {
			ERR(w, e ? e : n, "'%s' list entries are node ids or ranges, like 0 or 2-3",
			    k->name);
			free(text);
			return NULL;
		}
		grown = realloc(text, len + strlen(s) + 2);
		if (!grown)
			free(text);
		text = grown;
		if (text)
			len += (size_t)sprintf(text + len, "%s%s", len ? "," : "", s);
	}
	return text;
}

static void apply_nodes(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	struct bitmask **slot = (struct bitmask **)field(w, k);
	struct bitmask *set = NULL;
	char *text = nodes_text(w, k, n), q[64];

	if (!text)
		return;
	/* Not numa_parse_nodestring(): that checks ids against this machine,
	 * and a config is checked on build hosts and staged before hardware
	 * changes. The daemon intersects with the live online set and with
	 * each cgroup's cpuset.mems.effective. */
	if (strcmp(text, "all") != 0) {
		set = *text ? nm_set_parse_list(text, CFG_NODE_BITS) : NULL;
		if (!set) {
			ERR(w, n, "invalid node list '%s' for '%s': %s", cfg_quote(text, q, sizeof(q)),
			    k->name, !*text ? "empty; write all, or ids like 0-1,3" :
			    errno == ERANGE ? "node ids go up to 1023" :
			    "write ids and ranges like 0-1,3, or all");
			free(text);
			return;
		}
	}
	free(text);
	if (*slot)
		numa_bitmask_free(*slot);
	*slot = set;
}

static void walk_mapping(struct walk *w, yaml_node_t *map, const char *prefix);

static void apply_defaults(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	struct walk sub = *w;

	if (n->type != YAML_MAPPING_NODE) {
		ERR(w, n, "'%s' expects %s, not a %s", k->name, k->what, type_name(n));
		return;
	}
	sub.table = cfg_policy_keys;
	sub.base = &w->ld->defaults.p;
	sub.cp = &w->ld->defaults;
	sub.defaults = true;
	walk_mapping(&sub, n, NULL);
	cfg_policy_check(w->ld, &w->ld->defaults);
}

static void apply(struct walk *w, const struct cfg_key *k, yaml_node_t *n)
{
	switch (k->kind) {
	case CFG_K_STRING:
		return apply_string(w, k, n);
	case CFG_K_DURATION: case CFG_K_SIZE: case CFG_K_RATE:
	case CFG_K_PERCENT: case CFG_K_COUNT:
		return apply_number(w, k, n);
	case CFG_K_BOOL: case CFG_K_ENUM:
		return apply_enum(w, k, n);
	case CFG_K_GLOBS: case CFG_K_COMMS:
		return apply_list(w, k, n);
	case CFG_K_NODES:
		return apply_nodes(w, k, n);
	case CFG_K_MAP:
		if (n->type == YAML_MAPPING_NODE)
			return walk_mapping(w, n, k->name);
		ERR(w, n, "'%s' expects %s, not a %s", k->name, k->what, type_name(n));
		return;
	case CFG_K_DEFAULTS:
		return apply_defaults(w, k, n);
	case CFG_K_POLICIES:
		w->policies = n;
		return;
	}
}

/* A key numamigd knows, but not here: it would be silently ignored. */
static bool misplaced(const struct walk *w, const char *full)
{
	return (w->table != cfg_main_keys && cfg_key_find(cfg_main_keys, full)) ||
	       (w->table != cfg_policy_keys && cfg_key_find(cfg_policy_keys, full));
}

/* KEY is not in this table: say so, with the likeliest fix. Unknown keys
 * are warnings (a newer config on an older daemon), except where ignoring
 * one would do other than what was written: a key that belongs elsewhere
 * (top-level 'mode:' would not set any policy's mode), any key under
 * 'match:' (a match ignoring it covers more than meant), and YAML merge
 * keys. */
static void unknown_key(struct walk *w, yaml_node_t *kn, const char *full)
{
	const char *dot = strrchr(full, '.'), *leaf = dot ? dot + 1 : full;
	char hint[160] = "", q[64];

	if (strcmp(leaf, "<<") == 0) {
		ERR(w, kn, "merge keys ('<<') are not supported: write the keys out, or put "
		    "shared values under 'defaults:'");
		return;
	}
	/* Past the cap nothing is shown: skip the search (fuzzed files have
	 * a hundred thousand keys). */
	if (w->ld->diags->shown_others < NM_CONFIG_DIAGS_MAX ||
	    w->ld->diags->shown_errors < NM_CONFIG_DIAGS_MAX)
		cfg_key_hint(w->table, full, hint, sizeof(hint));
	if (misplaced(w, full))
		ERR(w, kn, "'%s' is not valid here%s", cfg_quote(full, q, sizeof(q)), hint);
	else if (w->table == cfg_policy_keys && strncmp(full, "match.", 6) == 0)
		ERR(w, kn, "unknown key '%s'%s: a match must be understood whole, or it would "
		    "cover more than meant", cfg_quote(full, q, sizeof(q)), hint);
	else
		WARN(w, kn, "unknown key '%s'%s", cfg_quote(full, q, sizeof(q)), hint);
}

static void walk_pair(struct walk *w, yaml_node_t *kn, yaml_node_t *vn,
		      const char *prefix, struct cfg_loc *seen)
{
	const char *key = (const char *)kn->data.scalar.value;
	const struct cfg_key *k;
	char full[128], q[64];
	size_t i;

	if (kn->type != YAML_SCALAR_NODE) {
		ERR(w, kn, "a key must be a name, not a %s", type_name(kn));
		return;
	}
	snprintf(full, sizeof(full), "%s%s%s", prefix ? prefix : "", prefix ? "." : "", key);
	k = strlen(key) == kn->data.scalar.length ? cfg_key_find(w->table, full) : NULL;
	if (!k)
		return unknown_key(w, kn, full);
	i = (size_t)(k - w->table);
	if (seen[i].file) {
		ERR(w, kn, "duplicate key '%s' (first at line %d)", cfg_quote(full, q, sizeof(q)),
		    seen[i].line);
		return;
	}
	seen[i] = at(w, kn);
	if (w->defaults && (k->flags & CFG_F_IDENTITY)) {
		ERR(w, kn, "'%s' has no default: it belongs in each policy", k->name);
		return;
	}
	apply(w, k, vn);
	if (!w->cp)
		return;
	w->cp->where[i] = at(w, vn);
	w->cp->own[i] = true;
	/* A mapping key with a bad value was reported; its keys are not
	 * missing as well. */
	for (size_t j = 0; k->kind == CFG_K_MAP && vn->type != YAML_MAPPING_NODE &&
	     w->table[j].name; j++)
		if (strncmp(w->table[j].name, full, strlen(full)) == 0)
			w->cp->own[j] = true;
}

static void walk_mapping(struct walk *w, yaml_node_t *map, const char *prefix)
{
	struct cfg_loc seen[CFG_TABLE_MAX] = { { 0 } };

	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *kn = yaml_document_get_node(w->doc, pr->key);
		yaml_node_t *vn = yaml_document_get_node(w->doc, pr->value);

		if (kn && vn)
			walk_pair(w, kn, vn, prefix, seen);
	}
}

/* One entry of a 'policies:' list. */
static void walk_policy(struct walk *w, yaml_node_t *n)
{
	struct cfg_loader *ld = w->ld;
	struct cfg_policy cp = { .at = at(w, n) };
	struct walk sub = *w;

	if (n->type != YAML_MAPPING_NODE) {
		ERR(w, n, "a policy is a mapping (name, match, mode, ...), not a %s",
		    type_name(n));
		return;
	}
	if (cfg_policy_copy(&cp.p, &ld->defaults.p) < 0) {
		ERR(w, n, "out of memory");
		return;
	}
	memcpy(cp.where, ld->defaults.where, sizeof(cp.where));
	sub.table = cfg_policy_keys;
	sub.base = &cp.p;
	sub.cp = &cp;
	sub.defaults = false;
	walk_mapping(&sub, n, NULL);
	/* Missing, not merely invalid (that was reported where it is). */
	if (!cp.own[CFG_P_NAME])
		ERR(w, n, "policy has no 'name'");
	if (!cp.own[CFG_P_MATCH])
		ERR(w, n, "policy '%s' has no 'match'", cp.p.name ? cp.p.name : "");
	else if (!cp.own[CFG_P_CGROUP])
		ERR(w, n, "policy '%s' has no 'match.cgroup' glob", cp.p.name ? cp.p.name : "");
	cfg_policy_check(ld, &cp);
	if (cfg_policy_add(ld, &cp) < 0)
		ERR(w, n, "out of memory");
}

static void walk_policy_list(struct walk *w, yaml_node_t *n)
{
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(w, n, "'policies' expects a list of policies, not a %s", type_name(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(w->doc, *it);

		if (w->ld->config->n_policies >= CFG_POLICIES_MAX) {
			ERR(w, e ? e : n, "more than %d policies", CFG_POLICIES_MAX);
			return;
		}
		if (e)
			walk_policy(w, e);
	}
}

static void walk_file(struct cfg_loader *ld, const char *file, yaml_document_t *doc,
		      const struct cfg_key *table, void *base)
{
	struct walk w = { .ld = ld, .file = file, .doc = doc, .table = table, .base = base };
	yaml_node_t *root = yaml_document_get_root_node(doc);

	if (!root)
		return; /* an empty file: nothing to change */
	if (root->type != YAML_MAPPING_NODE) {
		ERR(&w, root, "expected a mapping of keys at the top, not a %s", type_name(root));
		return;
	}
	walk_mapping(&w, root, NULL);
	if (w.policies)
		walk_policy_list(&w, w.policies);
}

void cfg_walk_main(struct cfg_loader *ld, const char *file, yaml_document_t *doc)
{
	walk_file(ld, file, doc, cfg_main_keys, ld->config);
}

void cfg_walk_policies(struct cfg_loader *ld, const char *file, yaml_document_t *doc)
{
	walk_file(ld, file, doc, cfg_policy_file_keys, NULL);
}
