/* config: the operator's YAML turned into a struct nm_config.
 *
 * Two kinds of file. The main file (numamigd.yaml) holds the
 * daemon's own settings, a "defaults:" mapping every policy starts from,
 * and optionally policies. Policy files (NAME.yaml in a policy.d directory)
 * hold policies, and are read from several directories, highest priority first
 * (the operator's policy.d, then the vendor's):
 * a file name seen in an earlier directory masks the same name in later
 * ones (an empty file or a symlink to /dev/null masks a vendor file), and
 * the surviving files are read in lexical order of their names. Policies
 * keep that order; the first one whose match fits a process wins.
 *
 * Loading never stops at the first problem: every error, warning and note
 * is collected with its file, line and column (1-based, from libyaml's
 * marks) into a struct nm_config_diags, so an operator fixes a file in one
 * pass. Unknown keys are warnings; type, unit and range errors fail the
 * whole load and the caller keeps its old config. Printing gives back the
 * effective config as YAML that loads to the same config, and its hash
 * lets status show which config is running.
 *
 * The schema (every key, its unit, its default and why) is documented in
 * conf/numamigd.yaml and numamigd.yaml(5).
 */
#ifndef NUMAMIG_CONFIG_H
#define NUMAMIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "numamig/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NM_CONFIG_MAX_DIRS 4

/* Where to read from. nm_config_paths_init() fills in the defaults, fixed
 * when the library is configured (SYSCONFDIR/numamigd/numamigd.yaml,
 * SYSCONFDIR/numamigd/policy.d, PREFIX/lib/numamigd/policy.d: /etc and
 * /usr/lib in a distribution's build); the daemon then overrides what
 * --config and --policy-dir say. */
struct nm_config_paths {
	const char *main_file;      /* NULL: no main file, built-in defaults */
	bool main_required;         /* given explicitly: missing is an error */
	/* Highest priority first, NULL-terminated. A missing directory is
	 * not an error: nothing is managed until a policy says so. */
	const char *policy_dirs[NM_CONFIG_MAX_DIRS + 1];
};

void nm_config_paths_init(struct nm_config_paths *paths);

/* ---- diagnostics ------------------------------------------------------ */

enum nm_config_severity {
	NM_CONFIG_ERROR,
	NM_CONFIG_WARNING,
	NM_CONFIG_NOTE,
};

struct nm_config_diag {
	enum nm_config_severity severity;
	char *file;
	int line;                   /* 1-based; 0 when about the whole file */
	int col;                    /* 1-based; 0 when about the whole file */
	char *message;
};

struct nm_config_diags {
	struct nm_config_diag *v;
	size_t n, cap;
	size_t errors, warnings;    /* counted even past the caps */
	size_t shown_errors, shown_others;
};

/* Errors shown, and warnings and notes shown, each; then one "too many"
 * note each, and the counts go on. */
#define NM_CONFIG_DIAGS_MAX 100

void nm_config_diags_init(struct nm_config_diags *diags);
void nm_config_diags_clear(struct nm_config_diags *diags);

/* "error", "warning" or "note". */
const char *nm_config_severity_name(enum nm_config_severity severity);

/* "FILE:LINE:COL: error: MESSAGE" (or "FILE: error: MESSAGE" without a
 * position), no newline, the way compilers print it so editors can jump
 * there. Returns the length it needed, like snprintf. */
int nm_config_diag_format(const struct nm_config_diag *d, char *buf, size_t size);

/* Every diagnostic, one per line, in that format. */
void nm_config_diags_print(const struct nm_config_diags *diags, FILE *f);

/* ---- loading ---------------------------------------------------------- */

/* Load the main file and every policy file PATHS names (NULL: defaults).
 * Returns 0 with *OUT set, or -EINVAL when any error was reported (the
 * details are in DIAGS, which the caller has initialized; warnings and
 * notes may be there on success too), or -ENOMEM. */
int nm_config_load(const struct nm_config_paths *paths, struct nm_config **out,
		   struct nm_config_diags *diags);

/* Load TEXT as a main file named NAME, with no policy directories: for
 * fuzzers, tests and checking the output of nm_config_print(). */
int nm_config_load_text(const char *name, const char *text, size_t len,
			struct nm_config **out, struct nm_config_diags *diags);

void nm_config_free(struct nm_config *config);

/* The first policy whose match fits a process, or NULL if none does (the
 * process is not managed). A policy may have mode off: it still wins, which
 * is how an early file excludes part of a later file's cgroup tree.
 *
 * CGROUP is the cgroup v2 path as /proc/PID/cgroup shows it ("/system.slice/
 * x.service"). The glob is fnmatch(3)ed with FNM_PATHNAME, so '*' stays
 * inside one path component, against the path and each of its ancestors:
 * a policy for a service also covers the cgroups below it. COMM, when a
 * policy lists names, must be one of them exactly; NULL never is. */
const struct nm_policy *nm_config_match(const struct nm_config *config,
					const char *cgroup, const char *comm);

/* Whether processes in CGROUP could be managed: some policy that is not
 * off matches it (whatever the comm). A tracker uses this to skip reading
 * cgroup.procs of cgroups no policy cares about, then decides per process
 * with nm_config_match(). */
bool nm_config_wants_cgroup(const struct nm_config *config, const char *cgroup);

/* What a walk of the cgroup tree should do at CGROUP: read its processes
 * (some policy that is not off matches it), only look below (none matches
 * it, but one could match a cgroup below: its glob's leading components
 * match CGROUP's), or skip the whole subtree (nothing below can match). */
enum nm_config_scope {
	NM_SCOPE_NONE,
	NM_SCOPE_BELOW,
	NM_SCOPE_HERE,
};
enum nm_config_scope nm_config_cgroup_scope(const struct nm_config *config, const char *cgroup);

/* Print CONFIG as a YAML main file that loads back to the same config:
 * every key spelt out, each policy preceded by a comment naming where it
 * was defined. Returns 0 or -errno. */
int nm_config_print(const struct nm_config *config, FILE *f);

/* 64-bit FNV-1a of the printed form without the where-defined comments:
 * equal for equal effective configs, whatever files they came from. */
uint64_t nm_config_hash(const struct nm_config *config);

/* ---- values -----------------------------------------------------------
 * The unit syntax of the config, for the command line too. Each returns 0
 * or -EINVAL (not that syntax) / -ERANGE (too big), and on error points
 * *WHY (if not NULL) at a static explanation with a hint. */

/* "0", or an integer with us, ms, s, m or h: "500ms", "30s", "5m". */
int nm_config_parse_duration(const char *text, uint64_t *us, const char **why);
/* "0", or an integer with B, KiB, MiB, GiB or TiB: "64MiB". */
int nm_config_parse_size(const char *text, uint64_t *bytes, const char **why);
/* A size per second ("256MiB/s"), or "unlimited" (0). */
int nm_config_parse_rate(const char *text, uint64_t *bytes_per_s, const char **why);
/* An integer percentage, 0% to 100%: "70%". */
int nm_config_parse_percent(const char *text, unsigned *pct, const char **why);

/* Exact shortest forms, which the parsers above read back unchanged:
 * 1500000us -> "1500ms", 67108864 -> "64MiB", 0 -> "0". */
int nm_config_format_duration(uint64_t us, char *buf, size_t size);
int nm_config_format_size(uint64_t bytes, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
