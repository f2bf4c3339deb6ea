/* procparse: parsers for /proc/PID/stat, /proc/PID/status and
 * /proc/PID/cgroup (and their task/TID twins).
 *
 * Pure functions over a buffer already read (see numamig/proc.h), so they
 * are unit-tested on captured and hostile text. The traps they handle: a
 * comm may hold spaces, parentheses and newlines, so stat is split at the
 * *last* ')'; node and CPU lists are parsed without consulting the host;
 * /proc/PID/cgroup has a single "0::" line on a pure cgroup v2 system and
 * one line per v1 hierarchy besides it on a hybrid one.
 */
#ifndef NUMAMIG_PROCPARSE_H
#define NUMAMIG_PROCPARSE_H

#include <stddef.h>
#include <sys/types.h>
#include <numa.h>

#include "numamig/proc.h"

#ifdef __cplusplus
extern "C" {
#endif


/* The fields of /proc/PID/stat the daemon uses (man 5 proc numbering). */
struct nm_stat {
	pid_t pid;                     /* (1) */
	char comm[NM_COMM_MAX];        /* (2) raw bytes, NUL-terminated */
	char state;                    /* (3) R, S, D, Z, X, ... */
	pid_t ppid;                    /* (4) */
	unsigned long long minflt;     /* (10) */
	unsigned long long majflt;     /* (12) */
	unsigned long long utime;      /* (14) clock ticks */
	unsigned long long stime;      /* (15) clock ticks */
	long num_threads;              /* (20) */
	unsigned long long starttime;  /* (22) clock ticks after boot */
	unsigned long long vsize;      /* (23) bytes */
	long long rss;                 /* (24) pages */
	int processor;                 /* (39) CPU it last ran on */
};

/* Parse the text of a stat file. Returns 0, or -EINVAL when the text is
 * truncated or malformed (no field is guessed). */
int nm_stat_parse(const char *buf, size_t len, struct nm_stat *out);

/* The fields of /proc/PID/status the daemon uses. */
struct nm_status {
	pid_t tgid;
	long threads;
	unsigned long long vmrss_kb;   /* 0 for kernel threads */
	unsigned long long rss_anon_kb;
	struct bitmask *cpus_allowed;  /* from Cpus_allowed_list */
	struct bitmask *mems_allowed;  /* from Mems_allowed_list */
};

/* Parse the text of a status file. Returns 0, -EINVAL when Tgid,
 * Cpus_allowed_list or Mems_allowed_list is missing or malformed, or
 * -ENOMEM. Unknown keys are ignored. Free with nm_status_clear(). */
int nm_status_parse(const char *buf, size_t len, struct nm_status *out);
void nm_status_clear(struct nm_status *st);

/* Where a process sits in the cgroup hierarchies. */
struct nm_cgroup_path {
	char *unified;   /* the "0::" path, NULL if none */
	char *cpuset;    /* the v1 cpuset hierarchy's path (hybrid), or NULL */
	char *memory;    /* the v1 memory hierarchy's path (hybrid), or NULL */
};

/* Parse /proc/PID/cgroup. Returns 0 (with all members NULL for an empty
 * file: a process that is exiting), -EINVAL for a malformed line, or
 * -ENOMEM. Free with nm_cgroup_path_clear(). */
int nm_cgroup_path_parse(const char *buf, size_t len, struct nm_cgroup_path *out);
void nm_cgroup_path_clear(struct nm_cgroup_path *cg);

/* One line of /proc/PID/maps: "start-end perms offset major:minor inode
 * path". The path (or "[heap]", "[stack]", ...) is everything after the
 * inode's padding; the kernel escapes only '\n' in it (as "\012"). */
struct nm_pidmaps_line {
	unsigned long start, end;
	char perms[5];
	unsigned long long offset;
	unsigned int dev_major, dev_minor;
	unsigned long long inode;
	const char *path;        /* points into the parsed buffer; "" if none */
};

/* Parse LINE (without '\n'; NUL-terminated). Returns 0 or -EINVAL. */
int nm_pidmaps_parse_line(const char *line, struct nm_pidmaps_line *out);

#ifdef __cplusplus
}
#endif
#endif
