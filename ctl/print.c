/* print: tables, formatting, and the explain and policy printers. See
 * print.h; the status printer is in print-status.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "numamig/text.h"
#include "print.h"

/* ---- JSON access -------------------------------------------------------- */

json_object *jget(json_object *o, const char *path)
{
	char key[128];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

json_object *jarray(json_object *o, const char *path, size_t *n)
{
	json_object *a = jget(o, path);

	if (!a || !json_object_is_type(a, json_type_array)) {
		*n = 0;
		return NULL;
	}
	*n = json_object_array_length(a);
	return a;
}

int64_t jint(json_object *o, const char *path, int64_t def)
{
	json_object *v = jget(o, path);

	return v && (json_object_is_type(v, json_type_int) ||
		     json_object_is_type(v, json_type_double)) ? json_object_get_int64(v) : def;
}

const char *jstr(json_object *o, const char *path, const char *def)
{
	json_object *v = jget(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : def;
}

int jbool(json_object *o, const char *path)
{
	json_object *v = jget(o, path);

	return v ? json_object_get_boolean(v) : -1;
}

void print_sanitize(json_object *o)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			print_sanitize(json_object_array_get_idx(o, i));
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, v) {
			(void)k;
			print_sanitize(v);
		}
	} else if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		size_t size = strlen(s) * NM_ESCAPE_GROWTH + 1;
		char *safe = malloc(size);

		if (safe && strcmp(nm_escape(s, safe, size), s) != 0)
			json_object_set_string(o, safe);
		free(safe);
	}
}

/* ---- formatting --------------------------------------------------------- */

char *fmt_bytes(char *buf, int64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 0) {
		strcpy(buf, "-");
		return buf;
	}
	if (bytes < 1024) {
		snprintf(buf, FMT_MAX, "%lldB", (long long)bytes);
		return buf;
	}
	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	snprintf(buf, FMT_MAX, "%.1f%s", v, units[u]);
	return buf;
}

char *fmt_ms(char *buf, int64_t ms)
{
	if (ms < 0)
		strcpy(buf, "-");
	else if (ms < 1000)
		snprintf(buf, FMT_MAX, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(buf, FMT_MAX, "%.1fs", (double)ms / 1000);
	else if (ms < 3600000)
		snprintf(buf, FMT_MAX, "%lldm%02llds", (long long)ms / 60000,
			 (long long)ms / 1000 % 60);
	else
		snprintf(buf, FMT_MAX, "%lldh%02lldm", (long long)ms / 3600000,
			 (long long)ms / 60000 % 60);
	return buf;
}

/* "-" for a missing (null) value. */
static char *dash(char *buf)
{
	return strcpy(buf, "-");
}

char *fmt_pct(char *buf, json_object *pct)
{
	if (pct)
		snprintf(buf, FMT_MAX, "%.1f%%", json_object_get_double(pct));
	return pct ? buf : dash(buf);
}

char *fmt_node(char *buf, json_object *node)
{
	if (node)
		snprintf(buf, FMT_MAX, "%d", json_object_get_int(node));
	return node ? buf : dash(buf);
}

/* ---- tables ------------------------------------------------------------- */

struct table {
	int ncols;
	size_t nrows, cap;
	char **cells;                  /* row-major, row 0 the headers */
};

struct table *table_new(int ncols, const char *const *headers)
{
	struct table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->ncols = ncols;
	table_add(t, headers);
	return t;
}

struct table *table_of(int ncols, const char *const *headers, json_object *a, size_t n,
		       table_row_fn row)
{
	struct table *t = table_new(ncols, headers);
	char (*buf)[TABLE_CELL_MAX] = calloc((size_t)ncols, sizeof(*buf));
	const char **cells = calloc((size_t)ncols, sizeof(*cells));

	for (size_t i = 0; t && buf && cells && i < n; i++) {
		for (int k = 0; k < ncols; k++)
			cells[k] = NULL;
		row(json_object_array_get_idx(a, i), cells, buf);
		table_add(t, cells);
	}
	free(buf);
	free(cells);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	if (!t)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **p = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*p));

		if (!p)
			return;
		t->cells = p;
		t->cap = cap;
	}
	for (int c = 0; c < t->ncols; c++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = strdup(cells[c] ? cells[c] : "-");
	t->nrows++;
}

/* Columns S takes on a terminal: its characters (UTF-8 continuation
 * bytes take none; cells are escaped, so there are no control bytes). */
size_t print_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void table_print(const struct table *t, FILE *f, const char *indent)
{
	size_t w[32] = { 0 };

	if (!t || t->ncols > 32)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			size_t n = print_width(s ? s : "") - (r == 0 && s && s[0] == '>');

			if (n > w[c])
				w[c] = n;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		fputs(indent, f);
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			const char *h = t->cells[c];
			int right = h && h[0] == '>';
			int pad;

			s = s ? s : "";
			if (r == 0 && right)
				s++;
			pad = (int)(w[c] - print_width(s));
			if (right)
				fprintf(f, "%*s%s", pad, "", s);
			else if (c == t->ncols - 1)
				fputs(s, f);
			else
				fprintf(f, "%s%*s", s, pad, "");
			fputs(c == t->ncols - 1 ? "\n" : "  ", f);
		}
	}
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
