/* config-guard: what a config file must be before its YAML is walked.
 *
 * numamigd reads its config as root, on the event loop, at start and on
 * every reload, so a file must neither hang it, exhaust it, nor come from
 * someone who could not have changed the config anyway:
 *
 *   - a regular file (a FIFO would block the read forever, a device never
 *     end), opened without blocking and checked on the open descriptor;
 *   - owned by root or by the daemon's own user, and writable only by
 *     them (group write only for group root or our own group): sshd's
 *     StrictModes. Policy directories likewise, or anyone could add a
 *     policy;
 *   - nested at most CFG_DEPTH_MAX deep: libyaml's scanner is quadratic in
 *     the depth (100k nested '[' took 50 s), so a pre-pass over its events
 *     stops at the first level too deep, before libyaml builds the
 *     document;
 *   - at most CFG_EXPAND_MAX bytes of scalars once aliases are expanded,
 *     over all files of a load: the walk copies what an alias points to
 *     each time it is used, so a list aliased into many places multiplies;
 *   - no tags (!!binary, !x): numamigd reads plain values, and a tag it
 *     ignored would change what the operator meant.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config-internal.h"
#include "numamig/file.h"

/* Why ST (a file, or a directory when DIR) may be changed by someone who
 * is neither root nor us, or NULL. */
static const char *untrusted(const struct stat *st, bool dir, char *buf, size_t size)
{
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(buf, size, "owned by uid %u, not by root: numamigd reads only %s "
			 "that only root can change", (unsigned)st->st_uid,
			 dir ? "directories" : "files");
		return buf;
	}
	if ((st->st_mode & S_IWOTH) ||
	    ((st->st_mode & S_IWGRP) && st->st_gid != 0 && st->st_gid != getegid())) {
		snprintf(buf, size, "writable by %s: numamigd reads only %s that only root can "
			 "change (chmod go-w)", st->st_mode & S_IWOTH ? "others" : "its group",
			 dir ? "directories" : "files");
		return buf;
	}
	return NULL;
}

static const char *type_name(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" :
	       S_ISCHR(m) || S_ISBLK(m) ? "a device" : "something else";
}

static int empty(char **text, size_t *len)
{
	*len = 0;
	*text = strdup("");
	return *text ? 0 : -ENOMEM;
}

int cfg_read_file(struct cfg_loader *ld, const char *path, char **text, size_t *len)
{
	struct cfg_loc loc = { path, 0, 0 };
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	const char *why = NULL;
	char buf[160];
	struct stat st;
	int r;

	if (fd < 0) {
		r = -errno;
		if (r != -ENOENT)
			cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "cannot read: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		r = empty(text, len); /* a link to /dev/null: a mask */
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL, why = type_name(st.st_mode);
	else if ((why = untrusted(&st, false, buf, sizeof(buf))))
		r = -EPERM;
	else
		r = nm_read_fd(fd, CFG_FILE_MAX, text, len);
	close(fd);
	if (r == 0)
		return 0;
	if (r == -EINVAL)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "%s, not a regular file: only regular "
			 "files are read", why);
	else if (why)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "%s", why);
	else if (r == -EFBIG)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "larger than %d KiB; not a config file?",
			 CFG_FILE_MAX / 1024);
	else
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "cannot read: %s", strerror(-r));
	return -1;
}

bool cfg_check_dir(struct cfg_loader *ld, const char *dir, int fd)
{
	struct cfg_loc loc = { dir, 0, 0 };
	const char *why;
	char buf[160];
	struct stat st;

	if (fstat(fd, &st) < 0) {
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "cannot read directory: %s",
			 strerror(errno));
		return false;
	}
	why = untrusted(&st, true, buf, sizeof(buf));
	if (why)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &loc, "%s", why);
	return !why;
}

/* ---- the pre-pass over the events ---- */

struct anchor {
	char *name;
	uint64_t bytes;     /* its node's scalars, aliases expanded */
};

struct frame {
	uint64_t bytes;
	char *anchor;       /* NULL: none */
};

struct scan {
	struct cfg_loader *ld;
	const char *file;
	void *anchors;      /* tsearch tree of struct anchor */
	struct frame stack[CFG_DEPTH_MAX + 1];
	int depth;
	uint64_t total;     /* this file's expanded bytes */
	bool failed;
};

static int by_anchor(const void *a, const void *b)
{
	return strcmp(((const struct anchor *)a)->name, ((const struct anchor *)b)->name);
}

static void free_anchor(void *p)
{
	struct anchor *a = p;

	free(a->name);
	free(a);
}

static void __attribute__((format(printf, 3, 4)))
fail(struct scan *sc, const yaml_mark_t *m, const char *fmt, ...)
{
	struct cfg_loc loc = { sc->file, (int)m->line + 1, (int)m->column + 1 };
	va_list ap;

	va_start(ap, fmt);
	cfg_vdiag(sc->ld->diags, NM_CONFIG_ERROR, &loc, fmt, ap);
	va_end(ap);
	sc->failed = true;
}

/* A later anchor of the same name replaces the earlier one, as in YAML. */
static void define(struct scan *sc, const char *name, uint64_t bytes)
{
	struct anchor key = { .name = (char *)name }, *a, **slot;

	if (!name)
		return;
	slot = tfind(&key, &sc->anchors, by_anchor);
	if (slot) {
		(*slot)->bytes = bytes;
		return;
	}
	a = malloc(sizeof(*a));
	if (a && (a->name = strdup(name)) && tsearch(a, &sc->anchors, by_anchor)) {
		a->bytes = bytes;
		return;
	}
	if (a)
		free(a->name);
	free(a);
	sc->failed = true; /* out of memory: the load fails, and says so */
	cfg_diag(sc->ld->diags, NM_CONFIG_ERROR, &(struct cfg_loc){ sc->file, 0, 0 },
		 "out of memory");
}

/* BYTES more in the node being built (and in the file). */
static void grow(struct scan *sc, const yaml_event_t *e, uint64_t bytes)
{
	sc->stack[sc->depth].bytes += bytes;
	sc->total += bytes;
	if (sc->ld->expanded + sc->total > CFG_EXPAND_MAX)
		fail(sc, &e->start_mark, "the configuration expands to more than %u MiB of values "
		     "(aliases included); not a config file?", CFG_EXPAND_MAX >> 20);
}

static void open_node(struct scan *sc, const yaml_event_t *e, const yaml_char_t *anchor)
{
	if (sc->depth == CFG_DEPTH_MAX) {
		fail(sc, &e->start_mark, "nested more than %d levels deep", CFG_DEPTH_MAX);
		return;
	}
	grow(sc, e, 1);
	sc->stack[++sc->depth] = (struct frame){ 1, anchor ? strdup((const char *)anchor) : NULL };
}

static void close_node(struct scan *sc)
{
	struct frame *f = &sc->stack[sc->depth--];

	define(sc, f->anchor, f->bytes);
	free(f->anchor);
	sc->stack[sc->depth].bytes += f->bytes; /* already in total */
}

static void alias(struct scan *sc, const yaml_event_t *e)
{
	struct anchor key = { .name = (char *)e->data.alias.anchor }, **a;

	a = tfind(&key, &sc->anchors, by_anchor);
	grow(sc, e, a ? (*a)->bytes : 1); /* undefined: libyaml's load says so */
}

static void on_event(struct scan *sc, const yaml_event_t *e)
{
	const yaml_char_t *tag = NULL;

	switch (e->type) {
	case YAML_SCALAR_EVENT:
		if (!e->data.scalar.plain_implicit && !e->data.scalar.quoted_implicit)
			tag = e->data.scalar.tag;
		grow(sc, e, e->data.scalar.length + 1);
		define(sc, (const char *)e->data.scalar.anchor, e->data.scalar.length + 1);
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = e->data.sequence_start.implicit ? NULL : e->data.sequence_start.tag;
		open_node(sc, e, e->data.sequence_start.anchor);
		break;
	case YAML_MAPPING_START_EVENT:
		tag = e->data.mapping_start.implicit ? NULL : e->data.mapping_start.tag;
		open_node(sc, e, e->data.mapping_start.anchor);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (sc->depth > 0)
			close_node(sc);
		break;
	case YAML_ALIAS_EVENT:
		alias(sc, e);
		break;
	default:
		break;
	}
	if (tag && !sc->failed)
		fail(sc, &e->start_mark, "YAML tags ('%s') are not supported: write plain values",
		     (const char *)tag);
}

bool cfg_guard_yaml(struct cfg_loader *ld, const char *file, const char *text, size_t len)
{
	struct scan sc = { .ld = ld, .file = file };
	yaml_parser_t p;
	yaml_event_t e;
	bool end = false;

	if (!yaml_parser_initialize(&p))
		return true; /* the load itself reports it */
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	/* A syntax error stops the pre-pass: the load reports it. */
	while (!end && !sc.failed && yaml_parser_parse(&p, &e)) {
		on_event(&sc, &e);
		end = e.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&e);
	}
	while (sc.depth > 0)
		free(sc.stack[sc.depth--].anchor);
	tdestroy(sc.anchors, free_anchor);
	yaml_parser_delete(&p);
	ld->expanded += sc.total;
	return !sc.failed;
}
