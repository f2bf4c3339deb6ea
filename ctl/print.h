/* print: numamigctl's human-readable output of the daemon's replies:
 * aligned tables and "label: value" lines. Only the reply's parameters
 * are read, through the field names the daemon documents in
 * numamigctl(8); a missing field prints as "-", so an older or newer
 * daemon still gives a readable table. */
#ifndef NUMAMIGCTL_PRINT_H
#define NUMAMIGCTL_PRINT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- printers, one per command (P: the reply's parameters) ---- */
void print_status(FILE *f, json_object *p);      /* print-status.c */
void print_node_table(FILE *f, json_object *p); /* status's nodes table */
void print_explain(FILE *f, json_object *p);
void print_policy(FILE *f, json_object *p);
void print_policies(FILE *f, json_object *p);
void print_move(FILE *f, json_object *p);        /* print-migrate.c */
void print_migrate(FILE *f, json_object *p);
void print_jobs(FILE *f, json_object *p);        /* print-jobs.c */
void print_cancel(FILE *f, json_object *p);
/* One progress report J of a job (the "job" of a reply that continues):
 * on a terminal (TTY) a bar rewritten in place, else a plain line. */
void print_job_progress(FILE *f, json_object *j, bool tty);

/* Escape every string value of O in place (nm_escape): the daemon's
 * replies carry comm, cgroup paths and file names from other users, which
 * must not reach a terminal raw. For the tables, not for --json. */
void print_sanitize(json_object *o);

/* ---- JSON access: PATH is "a.b.c"; a missing or null field is NULL ---- */
json_object *jget(json_object *o, const char *path);
int64_t jint(json_object *o, const char *path, int64_t def);
const char *jstr(json_object *o, const char *path, const char *def);
int jbool(json_object *o, const char *path);
/* The array at PATH and its length in *N (NULL and 0 when missing or not
 * an array). */
json_object *jarray(json_object *o, const char *path, size_t *n);

/* ---- formatting into caller buffers; each returns BUF ---- */
#define FMT_MAX 64
char *fmt_bytes(char *buf, int64_t bytes);        /* "48.0MiB", "512B" */
char *fmt_ms(char *buf, int64_t ms);              /* "850ms", "1.5s", "3m05s", "2h03m" */
char *fmt_pct(char *buf, json_object *pct);       /* "93.4%", "-" for null */
char *fmt_node(char *buf, json_object *node);     /* "1", "-" for null */

/* ---- tables: rows of strings, columns aligned, right-aligned where the
 * column's header starts with '>' (numbers) ---- */
struct table;
struct table *table_new(int ncols, const char *const *headers);
/* The columns of a table whose headers are the array HEADERS, and such a
 * table. */
#define TABLE_NCOLS(headers) ((int)(sizeof(headers) / sizeof(*(headers))))
#define TABLE_NEW(headers) table_new(TABLE_NCOLS(headers), headers)
void table_add(struct table *t, const char *const *cells);
/* A row of a table made from one element E of a JSON array: set the
 * NCOLS CELLS, using the NCOLS buffers of TABLE_CELL_MAX bytes at BUF as
 * needed. */
#define TABLE_CELL_MAX 256
typedef void (*table_row_fn)(json_object *e, const char **cells, char (*buf)[TABLE_CELL_MAX]);
/* A table with columns HEADERS (NCOLS of them) and one row per element of
 * the N-element array A. */
struct table *table_of(int ncols, const char *const *headers, json_object *a, size_t n,
		       table_row_fn row);
void table_print(const struct table *t, FILE *f, const char *indent);
/* The columns S takes on a terminal (characters, not bytes). */
size_t print_width(const char *s);
void table_free(struct table *t);

#endif
