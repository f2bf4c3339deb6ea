/* config-internal: what the config module's files share and nobody else
 * sees. config.c finds files and parses them, config-guard.c says which
 * files and which YAML may be read at all, config-schema.c walks one YAML
 * document into the structs, config-policy.c owns a policy's memory and its
 * cross-key checks, config-print.c prints, config-diag.c collects messages.
 * Names here start with cfg_, which the version script keeps private.
 */
#ifndef NUMAMIG_CONFIG_INTERNAL_H
#define NUMAMIG_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "numamig/config.h"

/* Largest file we read: policy files are a few KiB; anything this big is a
 * mistake (a log pointed at by a symlink) and would only slow a reload. */
#define CFG_FILE_MAX (1024 * 1024)

/* Nesting (mappings and lists) a file may have: numamigd's own keys go 5
 * deep; libyaml is quadratic in the depth. */
#define CFG_DEPTH_MAX 32
/* Bytes of values a whole load may hold once aliases are expanded: 16
 * files of the largest size, each alias counted where it is used. */
#define CFG_EXPAND_MAX (16u * CFG_FILE_MAX)
/* Longest value (a glob, a path, a name): PATH_MAX. */
#define CFG_STRING_MAX 4095

/* Node ids are below the kernel's MAX_NUMNODES (1 << CONFIG_NODES_SHIFT,
 * at most 10): node masks have this many bits whatever the host. */
#define CFG_NODE_BITS 1024

struct cfg_loc {
	const char *file;           /* NULL: not set anywhere (built-in) */
	int line, col;              /* 1-based */
};

/* ---- diagnostics (config-diag.c) ---- */
void cfg_vdiag(struct nm_config_diags *diags, enum nm_config_severity sev,
	       const struct cfg_loc *loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
void cfg_diag(struct nm_config_diags *diags, enum nm_config_severity sev,
	      const struct cfg_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* S cut to fit SIZE (>= 8), for quoting operator text in a message. */
const char *cfg_quote(const char *s, char *buf, size_t size);

/* ---- the keys (config-keys.c) ---- */
enum cfg_kind {
	CFG_K_STRING, CFG_K_DURATION, CFG_K_SIZE, CFG_K_RATE, CFG_K_PERCENT,
	CFG_K_COUNT, CFG_K_BOOL, CFG_K_ENUM, CFG_K_GLOBS, CFG_K_COMMS,
	CFG_K_NODES, CFG_K_MAP, CFG_K_DEFAULTS, CFG_K_POLICIES,
};

#define CFG_F_IDENTITY 1u       /* name, match: per policy, no default */

struct cfg_key {
	const char *name;           /* dotted below a mapping: "batch.min" */
	enum cfg_kind kind;
	unsigned flags;
	size_t off, width;          /* the field in its struct */
	size_t count_off;           /* lists: the size_t count beside them */
	uint64_t lo, hi;            /* range, in the stored unit */
	uint64_t unit_us;           /* durations: the stored unit (1000: ms) */
	const char *const *names;   /* enums and booleans */
	const char *(*check)(const char *s); /* strings: NULL or why not */
	const char *what;           /* "a duration like 2s", for type errors */
	const char *range_why;
};

#define CFG_TABLE_MAX 32        /* rows in any table */
#define CFG_LIST_MAX 256        /* entries in a list: bounds alias blow-up */
#define CFG_POLICIES_MAX 4096

/* Tables end with a row whose name is NULL. The policy table's rows are
 * in enum cfg_pkey order. */
extern const struct cfg_key cfg_main_keys[];
extern const struct cfg_key cfg_policy_keys[];
extern const struct cfg_key cfg_policy_file_keys[];
extern const char *const cfg_mode_names[];
extern const char *const cfg_policy_kind_names[];
extern const char *const cfg_knb_names[];
extern const char *const cfg_move_priority_names[];
extern const char *const cfg_attribution_names[];
extern const char *const cfg_shared_names[];
extern const char *const cfg_promote_names[];
extern const char *const cfg_reads_names[];

const struct cfg_key *cfg_key_find(const struct cfg_key *table, const char *name);
int cfg_enum_index(const char *const *names, const char *s);
const char *cfg_kind_noun(enum cfg_kind kind);
/* Numbers of every kind, in the key's stored unit. */
int cfg_parse_kind(const struct cfg_key *k, const char *s, uint64_t *v, const char **why);
int cfg_format_kind(const struct cfg_key *k, uint64_t v, char *buf, size_t size);
/* HINT = " (did you mean 'x'?)" for the closest of NAMES, or "". */
void cfg_did_you_mean(const char *s, const char *const *names, char *hint, size_t size);
/* HINT for an unknown key of TABLE: a close key, or where it belongs. */
void cfg_key_hint(const struct cfg_key *table, const char *full, char *hint, size_t size);

/* ---- the policy keys, in table order ---- */
enum cfg_pkey {
	CFG_P_NAME, CFG_P_MATCH, CFG_P_CGROUP, CFG_P_COMM, CFG_P_MODE, CFG_P_POLICY,
	CFG_P_DWELL, CFG_P_HYSTERESIS, CFG_P_MAX_DWELL, CFG_P_DOMINANCE,
	CFG_P_MIN_GAIN, CFG_P_MIN_RSS, CFG_P_MAX_MAPCOUNT, CFG_P_FILE_BACKED,
	CFG_P_EXCLUDE_FILES, CFG_P_NODES, CFG_P_RATE_LIMIT, CFG_P_BATCH,
	CFG_P_BATCH_MIN, CFG_P_BATCH_MAX, CFG_P_BATCH_LATENCY, CFG_P_ATTRIBUTION,
	CFG_P_REGION_SIZE, CFG_P_SHARED, CFG_P_TIERING, CFG_P_TIERING_PROMOTE,
	CFG_P_TIERING_GOAL_USED, CFG_P_TIERING_COLD_AFTER, CFG_P_TIERING_READS,
	CFG_P_COUNT
};

/* A policy while it is built, with where each key was set. */
struct cfg_policy {
	struct nm_policy p;
	struct cfg_loc where[CFG_P_COUNT];
	bool own[CFG_P_COUNT];      /* set by this policy, not by defaults: */
	struct cfg_loc at;          /* the policy's mapping */
};

/* State across all files of one load. */
struct cfg_loader {
	struct nm_config *config;
	struct cfg_policy defaults;
	struct cfg_loc *name_at;    /* [n_policies]: each policy's name value */
	size_t cap;
	struct nm_config_diags *diags;
	uint64_t expanded;          /* bytes of values so far, aliases expanded */
};

/* ---- what a file must be (config-guard.c) ---- */
/* Read the config file PATH: a regular file only root (or we) can change,
 * of at most CFG_FILE_MAX bytes, opened without blocking. Returns 0 with
 * *TEXT (to free) and *LEN, -ENOENT (not reported: missing may be fine),
 * or -1 when it reported why not. */
int cfg_read_file(struct cfg_loader *ld, const char *path, char **text, size_t *len);
/* The policy directory DIR, open as FD, is one only root (or we) can
 * change; else reports why and returns false. */
bool cfg_check_dir(struct cfg_loader *ld, const char *dir, int fd);
/* A pre-pass over TEXT's YAML events: nesting depth, tags, and the bytes
 * it expands to (added to LD's total). Reports and returns false on the
 * first problem; syntax errors are left to the load. */
bool cfg_guard_yaml(struct cfg_loader *ld, const char *file, const char *text, size_t len);

/* ---- policies (config-policy.c) ---- */
int cfg_policy_builtin(struct nm_policy *p); /* 0, or -1: no memory */
int cfg_policy_copy(struct nm_policy *dst, const struct nm_policy *src);
void cfg_policy_clear(struct nm_policy *p);
void cfg_strv_free(char **v, size_t n);
/* Checks between keys (batch.min <= batch.max, ...), reported where the
 * later of the two keys was set, and only if CP itself set one of them
 * (a conflict inherited from the defaults was reported there). */
void cfg_policy_check(struct cfg_loader *ld, struct cfg_policy *cp);
/* Append CP (taking its memory) to the config; catch duplicate names. */
int cfg_policy_add(struct cfg_loader *ld, struct cfg_policy *cp);

/* ---- walking documents (config-schema.c) ---- */
void cfg_walk_main(struct cfg_loader *ld, const char *file, yaml_document_t *doc);
void cfg_walk_policies(struct cfg_loader *ld, const char *file, yaml_document_t *doc);

/* ---- printing (config-print.c) ---- */
int cfg_print(const struct nm_config *config, FILE *f, bool provenance);

#endif
