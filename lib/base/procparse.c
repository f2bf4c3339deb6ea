/* procparse: parsers for /proc/PID/{stat,status,cgroup}. See numamig/procparse.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/procparse.h"
#include "numamig/set.h"

/* Fields after the comm, numbered as in proc(5): state is field 3. */
#define STAT_FIRST_AFTER_COMM 3
#define STAT_LAST_USED 39

/* Parse one decimal at *P, then skip one space. Unsigned fields such as
 * rsslim (25) reach ULLONG_MAX, so only a leading '-' means signed; the
 * value wraps into V, which matters only for fields we do not store. */
static int next_field(const char **p, const char *end, long long *v)
{
	const char *s = *p;
	char *stop;
	char tmp[32];
	size_t n = 0;

	while (s + n < end && s[n] != ' ' && s[n] != '\n' && n < sizeof(tmp) - 1)
		n++;
	if (n == 0 || n == sizeof(tmp) - 1)
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	errno = 0;
	if (tmp[0] == '-')
		*v = strtoll(tmp, &stop, 10);
	else
		*v = (long long)strtoull(tmp, &stop, 10);
	if (*stop || errno || !(isdigit((unsigned char)tmp[0]) || tmp[0] == '-'))
		return -EINVAL;
	*p = s + n + (s + n < end && s[n] == ' ');
	return 0;
}

static void store_stat_field(struct nm_stat *st, int field, long long v)
{
	switch (field) {
	case 4: st->ppid = (pid_t)v; break;
	case 10: st->minflt = (unsigned long long)v; break;
	case 12: st->majflt = (unsigned long long)v; break;
	case 14: st->utime = (unsigned long long)v; break;
	case 15: st->stime = (unsigned long long)v; break;
	case 20: st->num_threads = (long)v; break;
	case 22: st->starttime = (unsigned long long)v; break;
	case 23: st->vsize = (unsigned long long)v; break;
	case 24: st->rss = v; break;
	case 39: st->processor = (int)v; break;
	default: break;
	}
}

int nm_stat_parse(const char *buf, size_t len, struct nm_stat *st)
{
	const char *end = buf + len, *open, *close, *p;
	long long v;
	size_t clen;

	memset(st, 0, sizeof(*st));
	open = memchr(buf, '(', len);
	/* The comm ends at the LAST ')': the comm itself may contain ") (". */
	close = NULL;
	for (p = end; p > buf; p--)
		if (p[-1] == ')') {
			close = p - 1;
			break;
		}
	if (!open || !close || close < open || close + 2 >= end || close[1] != ' ')
		return -EINVAL;
	p = buf;
	/* pid_t is an int: a wider value would wrap to 0 or a negative pid. */
	if (next_field(&p, open, &v) < 0 || v <= 0 || v > INT_MAX)
		return -EINVAL;
	st->pid = (pid_t)v;
	clen = (size_t)(close - open - 1);
	if (clen >= sizeof(st->comm))
		clen = sizeof(st->comm) - 1;
	memcpy(st->comm, open + 1, clen);
	p = close + 2;
	st->state = *p;
	if (p + 1 >= end || p[1] != ' ')
		return -EINVAL;
	p += 2;
	for (int field = STAT_FIRST_AFTER_COMM + 1; field <= STAT_LAST_USED; field++) {
		if (next_field(&p, end, &v) < 0)
			return -EINVAL;
		store_stat_field(st, field, v);
	}
	return 0;
}

/* Value of "KEY:\t..." if LINE starts with KEY, else NULL. */
static const char *status_value(const char *line, const char *key)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	return line + strspn(line, " \t");
}

static int status_line(struct nm_status *st, const char *line, unsigned *seen)
{
	const char *v;

	if ((v = status_value(line, "Tgid"))) {
		long tgid = strtol(v, NULL, 10);

		/* Out of pid_t's range stays 0, which the caller refuses. */
		st->tgid = tgid > 0 && tgid <= INT_MAX ? (pid_t)tgid : 0;
		*seen |= 1;
	} else if ((v = status_value(line, "Threads"))) {
		st->threads = strtol(v, NULL, 10);
	} else if ((v = status_value(line, "VmRSS"))) {
		st->vmrss_kb = strtoull(v, NULL, 10);
	} else if ((v = status_value(line, "RssAnon"))) {
		st->rss_anon_kb = strtoull(v, NULL, 10);
	} else if ((v = status_value(line, "Cpus_allowed_list"))) {
		if (st->cpus_allowed || !(st->cpus_allowed = nm_set_parse_list(v, 0)))
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		*seen |= 2;
	} else if ((v = status_value(line, "Mems_allowed_list"))) {
		if (st->mems_allowed || !(st->mems_allowed = nm_set_parse_list(v, 0)))
			return errno == ENOMEM ? -ENOMEM : -EINVAL;
		*seen |= 4;
	}
	return 0;
}

int nm_status_parse(const char *buf, size_t len, struct nm_status *st)
{
	char *copy = strndup(buf, len), *line, *save = NULL;
	unsigned seen = 0;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save))
		r = status_line(st, line, &seen);
	free(copy);
	if (r == 0 && (seen != 7 || st->tgid <= 0))
		r = -EINVAL;
	if (r < 0)
		nm_status_clear(st);
	return r;
}

void nm_status_clear(struct nm_status *st)
{
	if (st->cpus_allowed)
		numa_bitmask_free(st->cpus_allowed);
	if (st->mems_allowed)
		numa_bitmask_free(st->mems_allowed);
	st->cpus_allowed = st->mems_allowed = NULL;
}

/* Does the comma-separated controller list CTRLS name controller NAME? */
static int lists_controller(const char *ctrls, size_t n, const char *name)
{
	size_t k = strlen(name);

	for (const char *p = ctrls; p < ctrls + n;) {
		const char *comma = memchr(p, ',', (size_t)(ctrls + n - p));
		size_t w = comma ? (size_t)(comma - p) : (size_t)(ctrls + n - p);

		if (w == k && memcmp(p, name, k) == 0)
			return 1;
		p += w + 1;
	}
	return 0;
}

static int set_path(char **slot, const char *path, size_t n)
{
	free(*slot);
	*slot = strndup(path, n);
	return *slot ? 0 : -ENOMEM;
}

/* One "ID:CONTROLLERS:PATH" line. A path may itself contain ':'. A v1
 * hierarchy may carry several controllers ("4:cpuset,memory:/y"). */
static int cgroup_line(struct nm_cgroup_path *cg, const char *line, size_t n)
{
	const char *c1 = memchr(line, ':', n), *c2, *path;
	size_t nctrl, npath;
	int r = 0;

	if (!c1 || !(c2 = memchr(c1 + 1, ':', (size_t)(line + n - c1 - 1))))
		return -EINVAL;
	path = c2 + 1;
	npath = (size_t)(line + n - path);
	nctrl = (size_t)(c2 - c1 - 1);
	/* npath first: a line may end right after the second ':' (the
	 * buffer's last byte), and *path would then read past it. */
	if (npath == 0 || *path != '/')
		return -EINVAL;
	if (c1 - line == 1 && line[0] == '0' && nctrl == 0)
		return set_path(&cg->unified, path, npath);
	if (lists_controller(c1 + 1, nctrl, "cpuset"))
		r = set_path(&cg->cpuset, path, npath);
	if (r == 0 && lists_controller(c1 + 1, nctrl, "memory"))
		r = set_path(&cg->memory, path, npath);
	return r;
}

int nm_cgroup_path_parse(const char *buf, size_t len, struct nm_cgroup_path *cg)
{
	const char *p = buf, *end = buf + len;
	int r = 0;

	memset(cg, 0, sizeof(*cg));
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > 0)
			r = cgroup_line(cg, p, n);
		p += n + 1;
	}
	if (r < 0)
		nm_cgroup_path_clear(cg);
	return r;
}

void nm_cgroup_path_clear(struct nm_cgroup_path *cg)
{
	free(cg->unified);
	free(cg->cpuset);
	free(cg->memory);
	cg->unified = cg->cpuset = cg->memory = NULL;
}

int nm_pidmaps_parse_line(const char *line, struct nm_pidmaps_line *m)
{
	int path_at = -1;

	memset(m, 0, sizeof(*m));
	/* %n after the inode tells where the padding before the path starts. */
	if (sscanf(line, "%lx-%lx %4s %llx %x:%x %llu%n", &m->start, &m->end, m->perms,
		   &m->offset, &m->dev_major, &m->dev_minor, &m->inode, &path_at) != 7 ||
	    path_at < 0 || m->end <= m->start || strlen(m->perms) != 4)
		return -EINVAL;
	line += path_at;
	if (*line && *line != ' ')
		return -EINVAL;
	m->path = line + strspn(line, " ");
	return 0;
}
