/* numamaps-parse: one line of /proc/PID/numa_maps. See numamig/numamaps.h.
 * The format is show_numa_map() and mpol_to_str() in the kernel. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "numamig/numamaps.h"
#include "numamig/set.h"

/* Longest names first where one is a prefix of another. */
static const struct {
	const char *name;
	enum nm_mpol mode;
} mpol_names[] = {
	{ "prefer (many)", NM_MPOL_PREFERRED_MANY },
	{ "weighted interleave", NM_MPOL_WEIGHTED_INTERLEAVE },
	{ "interleave", NM_MPOL_INTERLEAVE },
	{ "default", NM_MPOL_DEFAULT },
	{ "prefer", NM_MPOL_PREFERRED },
	{ "bind", NM_MPOL_BIND },
	{ "local", NM_MPOL_LOCAL },
};

static const char DELETED[] = " (deleted)";

/* Parse an unsigned decimal that must fill S entirely. */
static int parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return *end || errno ? -EINVAL : 0;
}

/* The policy starts at *P: a mode name (which may contain a space), then
 * optional "=flags" and ":nodes". NUL-terminate it and advance *P. */
static int parse_policy(char **p, struct nm_vma *vma)
{
	char *s = *p, *end, *colon;
	size_t i, n = 0;

	vma->mode = NM_MPOL_UNKNOWN;
	for (i = 0; i < sizeof(mpol_names) / sizeof(mpol_names[0]); i++) {
		n = strlen(mpol_names[i].name);
		if (strncmp(s, mpol_names[i].name, n) == 0 && strchr("=: ", s[n])) {
			vma->mode = mpol_names[i].mode;
			break;
		}
	}
	end = strchr(s + (vma->mode == NM_MPOL_UNKNOWN ? 0 : n), ' ');
	if (!end)
		end = s + strlen(s);
	if (end == s)
		return -EINVAL;
	*p = *end ? end + 1 : end;
	*end = '\0';
	vma->policy = s;
	colon = strchr(s, ':');
	vma->policy_nodes = colon ? colon + 1 : end;
	return 0;
}

static int octal(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* Undo seq_path()'s \ooo escapes in place. A backslash not followed by
 * three octal digits is kept: the kernel does not escape '\' itself. */
static size_t decode_path(char *s)
{
	char *in = s, *out = s;

	while (*in) {
		if (in[0] == '\\' && octal(in[1]) >= 0 && octal(in[2]) >= 0 && octal(in[3]) >= 0 &&
		    octal(in[1]) <= 3) {
			*out++ = (char)(octal(in[1]) << 6 | octal(in[2]) << 3 | octal(in[3]));
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

static void set_file(struct nm_vma *vma, char *path)
{
	size_t n = decode_path(path), d = sizeof(DELETED) - 1;

	vma->kind = NM_VMA_FILE;
	if (n > d && strcmp(path + n - d, DELETED) == 0) {
		n -= d;
		path[n] = '\0';
		vma->deleted = true;
	}
	vma->file = path;
	vma->file_len = n;
}

static int add_node(struct nm_vma *vma, struct nm_node_pages *nodes, const char *key,
		    unsigned long pages)
{
	unsigned long node;

	if (parse_ulong(key, &node) < 0 || node >= NM_MAPS_MAX_NODES)
		return -EINVAL;
	/* The kernel prints nodes in ascending order, once each. */
	if (vma->nr_nodes > 0 && (unsigned long)nodes[vma->nr_nodes - 1].node >= node)
		return -EINVAL;
	nodes[vma->nr_nodes].node = (int)node;
	nodes[vma->nr_nodes].pages = pages;
	vma->nr_nodes++;
	vma->pages += pages;
	return 0;
}

enum { SEEN_MAPPED = 1, SEEN_ACTIVE = 2, SEEN_COUNT = 4 };

/* One "key=value" token. Unknown keys are ignored (newer kernels add some);
 * a known key with a value that is not a number is a broken line. */
static int parse_kv(struct nm_vma *vma, struct nm_node_pages *nodes, char *tok, char *eq,
		    unsigned *seen)
{
	static const struct { const char *key; size_t off; unsigned seen; } keys[] = {
		{ "anon", offsetof(struct nm_vma, anon), SEEN_COUNT },
		{ "dirty", offsetof(struct nm_vma, dirty), SEEN_COUNT },
		{ "mapped", offsetof(struct nm_vma, mapped), SEEN_COUNT | SEEN_MAPPED },
		{ "mapmax", offsetof(struct nm_vma, mapmax), SEEN_COUNT },
		{ "active", offsetof(struct nm_vma, active), SEEN_COUNT | SEEN_ACTIVE },
		{ "swapcache", offsetof(struct nm_vma, swapcache), SEEN_COUNT },
		{ "writeback", offsetof(struct nm_vma, writeback), SEEN_COUNT },
		{ "kernelpagesize_kB", offsetof(struct nm_vma, kernelpagesize_kb), 0 },
	};
	unsigned long v;

	*eq = '\0';
	if (tok[0] == 'N' && tok[1] >= '0' && tok[1] <= '9') {
		*seen |= SEEN_COUNT;
		return parse_ulong(eq + 1, &v) < 0 ? -EINVAL : add_node(vma, nodes, tok + 1, v);
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(tok, keys[i].key) == 0) {
			if (parse_ulong(eq + 1, &v) < 0)
				return -EINVAL;
			*(unsigned long *)((char *)vma + keys[i].off) = v;
			*seen |= keys[i].seen;
			return 0;
		}
	return 0;
}

static int parse_token(struct nm_vma *vma, struct nm_node_pages *nodes, char *tok,
		       unsigned *seen)
{
	char *eq;

	if (strncmp(tok, "file=", 5) == 0)
		set_file(vma, tok + 5);
	else if (strcmp(tok, "heap") == 0)
		vma->kind = NM_VMA_HEAP;
	else if (strcmp(tok, "stack") == 0 || strncmp(tok, "stack:", 6) == 0)
		vma->kind = NM_VMA_STACK; /* "stack:TID" before 4.5 */
	else if (strcmp(tok, "huge") == 0)
		vma->huge = true;
	else if ((eq = strchr(tok, '=')))
		return parse_kv(vma, nodes, tok, eq, seen);
	return 0;
}

/* The kernel omits "mapped" and "active" when they equal the total, and
 * every line with resident pages ends in kernelpagesize_kB: a line with
 * counts but without it was cut short. */
static int finish(struct nm_vma *vma, unsigned seen)
{
	bool has_size = vma->kernelpagesize_kb != 0;

	if ((seen & SEEN_COUNT) && !has_size)
		return -EINVAL;
	if (has_size && vma->pages == 0)
		return -EINVAL;
	if (!(seen & SEEN_MAPPED))
		vma->mapped = vma->pages;
	/* hugetlb VMAs never print active, and it is not the total there. */
	if (!(seen & SEEN_ACTIVE) && !vma->huge)
		vma->active = vma->pages;
	return 0;
}

int nm_numamaps_parse_line(char *line, size_t len, struct nm_vma *vma, struct nm_node_pages *nodes)
{
	char *p = line, *end, *tok;
	unsigned seen = 0;

	memset(vma, 0, sizeof(*vma));
	vma->nodes = nodes;
	if (len == 0 || memchr(line, '\0', len))
		return -EINVAL;
	line[len] = '\0';
	errno = 0;
	vma->start = strtoul(p, &end, 16);
	if (end == p || *end != ' ' || errno)
		return -EINVAL;
	p = end + 1;
	if (parse_policy(&p, vma) < 0)
		return -EINVAL;
	for (tok = strtok_r(p, " ", &end); tok; tok = strtok_r(NULL, " ", &end))
		if (parse_token(vma, nodes, tok, &seen) < 0)
			return -EINVAL;
	return finish(vma, seen);
}

struct bitmask *nm_vma_policy_nodeset(const struct nm_vma *vma)
{
	if (!*vma->policy_nodes) {
		errno = ENOENT;
		return NULL;
	}
	return nm_set_parse_list(vma->policy_nodes, NM_MAPS_MAX_NODES);
}
