/* config-print: the effective config as YAML, and its hash.
 *
 * The output is a main file with every key spelt out and the policies
 * inline, walked from the same key tables the parser uses, so a key cannot
 * be parsed and forgotten here. Loading it back gives the same config
 * (tests/test-config.c checks that); defaults are already folded into each
 * policy, so there is no "defaults:" section.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "numamig/set.h"

/* S as a YAML double-quoted scalar. Escapes what YAML does not allow raw:
 * C0 controls, DEL and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F). */
static void put_quoted(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fprintf(f, "\\x%02x", *++p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void put_list(FILE *f, char *const *v, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		put_quoted(f, v[i]);
	}
	fputc(']', f);
}

static void put_nodes(FILE *f, const struct bitmask *nodes)
{
	char buf[8192];

	if (!nodes || nm_set_format(nodes, buf, sizeof(buf)) < 0)
		fputs("all", f); /* 1024 ids fit; the fallback cannot happen */
	else
		put_quoted(f, buf);
}

static const void *field(const void *base, const struct cfg_key *k)
{
	return (const char *)base + k->off;
}

static uint64_t get_uint(const void *base, const struct cfg_key *k)
{
	const void *p = field(base, k);

	if (k->width == sizeof(uint64_t))
		return *(const uint64_t *)p;
	if (k->width == sizeof(unsigned))
		return *(const unsigned *)p;
	return *(const bool *)p;
}

static void put_value(FILE *f, const void *base, const struct cfg_key *k)
{
	char buf[64];

	switch (k->kind) {
	case CFG_K_STRING:
		return put_quoted(f, *(char *const *)field(base, k));
	case CFG_K_BOOL:
		fputs(*(const bool *)field(base, k) ? "true" : "false", f);
		return;
	case CFG_K_ENUM:
		fputs(k->names[*(const int *)field(base, k)], f);
		return;
	case CFG_K_GLOBS: case CFG_K_COMMS:
		return put_list(f, *(char **const *)field(base, k),
				*(const size_t *)(const void *)((const char *)base + k->count_off));
	case CFG_K_NODES:
		return put_nodes(f, *(struct bitmask *const *)field(base, k));
	default:
		cfg_format_kind(k, get_uint(base, k), buf, sizeof(buf));
		fputs(buf, f);
		return;
	}
}

/* Does K sit directly under PREFIX (NULL: the top)? */
static bool directly_under(const struct cfg_key *k, const char *prefix)
{
	const char *dot = strrchr(k->name, '.');

	if (!prefix)
		return !dot;
	return dot && (size_t)(dot - k->name) == strlen(prefix) &&
	       strncmp(k->name, prefix, strlen(prefix)) == 0;
}

static void put_rows(FILE *f, const struct cfg_key *table, const void *base,
		     const char *indent, const char *prefix)
{
	char deeper[32];

	for (const struct cfg_key *k = table; k->name; k++) {
		const char *leaf = prefix ? k->name + strlen(prefix) + 1 : k->name;

		if (!directly_under(k, prefix) || k->kind == CFG_K_DEFAULTS ||
		    k->kind == CFG_K_POLICIES)
			continue;
		if (k->kind == CFG_K_COMMS &&
		    *(const size_t *)(const void *)((const char *)base + k->count_off) == 0)
			continue; /* no comm list: any command */
		fprintf(f, "%s%s:", indent, leaf);
		if (k->kind == CFG_K_MAP) {
			snprintf(deeper, sizeof(deeper), "%s  ", indent);
			fputc('\n', f);
			put_rows(f, table, base, deeper, k->name);
			continue;
		}
		fputc(' ', f);
		put_value(f, base, k);
		fputc('\n', f);
	}
}

/* A comment line: the file name must not end it early. */
static void put_comment_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_policy(FILE *f, const struct nm_policy *p, bool provenance)
{
	if (provenance && p->file) {
		fputs("  # ", f);
		put_comment_text(f, p->file);
		fprintf(f, ":%d\n", p->line);
	}
	fputs("  - ", f);
	/* The first row goes after "- ", the rest under it. */
	fputs("name: ", f);
	put_quoted(f, p->name ? p->name : "");
	fputc('\n', f);
	put_rows(f, cfg_policy_keys + 1, p, "    ", NULL);
}

int cfg_print(const struct nm_config *config, FILE *f, bool provenance)
{
	if (provenance)
		fputs("# numamigd: the effective configuration\n", f);
	put_rows(f, cfg_main_keys, config, "", NULL);
	fputs(config->n_policies ? "policies:\n" : "policies: []\n", f);
	for (size_t i = 0; i < config->n_policies; i++)
		put_policy(f, &config->policies[i], provenance);
	return ferror(f) ? -EIO : 0;
}

int nm_config_print(const struct nm_config *config, FILE *f)
{
	return cfg_print(config, f, true);
}

uint64_t nm_config_hash(const struct nm_config *config)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return 0;
	cfg_print(config, f, false);
	fclose(f);
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)text[i];
		h *= 0x100000001b3ull;     /* FNV 64 prime */
	}
	free(text);
	return h;
}
