/* print-migrate: `numamigctl move` and `numamigctl migrate` as text.
 * See print.h. */
#include "config.h"

#include <string.h>

#include "print.h"

/* "EBUSY 3, EACCES 1", or "" */
static void fmt_failed_by(char *buf, size_t size, json_object *fb)
{
	size_t len = 0;

	buf[0] = 0;
	if (!fb || !json_object_is_type(fb, json_type_object))
		return;
	json_object_object_foreach(fb, key, val) {
		int n = snprintf(buf + len, size - len, "%s%s %lld", len ? ", " : "", key,
				 (long long)json_object_get_int64(val));

		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
}

void print_move(FILE *f, json_object *p)
{
	char bytes[FMT_MAX], fb[256];
	size_t n;
	json_object *on = jarray(p, "on_node", &n);
	int dry = jbool(p, "dry_run") == 1;

	fprintf(f, "pid %lld: %s+%s (%lld pages) to node %lld%s\n", (long long)jint(p, "pid", 0),
		jstr(p, "address", "?"), fmt_bytes(bytes, jint(p, "length", -1)),
		(long long)jint(p, "pages", 0), (long long)jint(p, "node", -1),
		dry ? " (dry run: nothing moved)" : "");
	fprintf(f, "  %s %lld, moved %lld, failed %lld, already there %lld, absent %lld",
		dry ? "would request" : "requested", (long long)jint(p, "requested", 0),
		(long long)jint(p, "moved", 0), (long long)jint(p, "failed", 0),
		(long long)jint(p, "already", 0), (long long)jint(p, "absent", 0));
	if (jint(p, "shared_pages", 0))
		fprintf(f, ", shared (left alone) %lld", (long long)jint(p, "shared_pages", 0));
	fprintf(f, "\n");
	fmt_failed_by(fb, sizeof(fb), jget(p, "failed_by"));
	if (fb[0])
		fprintf(f, "  failed by: %s\n", fb);
	if (n) {
		static const char *const head[] = { ">NODE", ">PAGES BEFORE", ">MOVED FROM" };
		json_object *mf = jget(p, "moved_from");
		struct table *t = TABLE_NEW(head);

		for (size_t i = 0; i < n; i++) {
			char node[24], before[32], moved[32];
			const char *row[] = { node, before, moved };

			snprintf(node, sizeof(node), "%zu", i);
			snprintf(before, sizeof(before), "%lld",
				 (long long)json_object_get_int64(json_object_array_get_idx(on, i)));
			snprintf(moved, sizeof(moved), "%lld", mf && i < json_object_array_length(mf) ?
				 (long long)json_object_get_int64(json_object_array_get_idx(mf, i)) : 0LL);
			table_add(t, row);
		}
		table_print(t, f, "  ");
		table_free(t);
	}
}

/* "n0:12 n1:3" from an array of pages per node, or "-". */
static void fmt_per_node(char *buf, size_t size, json_object *a)
{
	size_t len = 0, n = a && json_object_is_type(a, json_type_array) ?
		json_object_array_length(a) : 0;

	strcpy(buf, "-");
	for (size_t i = 0; i < n; i++) {
		int r = snprintf(buf + len, size - len, "%sn%zu:%lld", len ? " " : "", i,
				 (long long)json_object_get_int64(json_object_array_get_idx(a, i)));

		if (r < 0 || (size_t)r >= size - len)
			break;
		len += (size_t)r;
	}
}

void print_migrate(FILE *f, json_object *p)
{
	static const char *const head[] = { ">PID", "COMM", "STATE", ">REQS", "BEFORE",
					    "PLANNED", "AFTER", ">MOVED", ">FAILED" };
	json_object *procs = jget(p, "processes"), *tot = jget(p, "totals");
	size_t n = procs ? json_object_array_length(procs) : 0;
	int dry = jbool(p, "dry_run") == 1;
	struct table *t = TABLE_NEW(head);
	char fb[256];

	for (size_t i = 0; i < n; i++) {
		json_object *pr = json_object_array_get_idx(procs, i);
		char pid[24], reqs[24], before[128], planned[128], after[128], moved[32], failed[32];
		const char *row[] = { pid, jstr(pr, "comm", "-"), jstr(pr, "state", "?"), reqs,
				      before, planned, after, moved, failed };

		snprintf(pid, sizeof(pid), "%lld", (long long)jint(pr, "pid", 0));
		snprintf(reqs, sizeof(reqs), "%lld", (long long)jint(pr, "requests", 0));
		fmt_per_node(before, sizeof(before), jget(pr, "before"));
		fmt_per_node(planned, sizeof(planned), jget(pr, "planned"));
		fmt_per_node(after, sizeof(after), jget(pr, "after"));
		snprintf(moved, sizeof(moved), "%lld", (long long)jint(pr, "moved", 0));
		snprintf(failed, sizeof(failed), "%lld", (long long)jint(pr, "failed", 0));
		table_add(t, row);
	}
	fprintf(f, "job migration (%s%s), pages per node:\n", jstr(p, "mode", "?"),
		dry ? ", dry run: nothing moved" : "");
	table_print(t, f, "  ");
	table_free(t);
	fprintf(f, "requests: %lld (%lld shared file, %lld private), %lld done, %lld lost\n",
		(long long)jint(tot, "requests", 0), (long long)jint(tot, "file_requests", 0),
		(long long)jint(tot, "private_requests", 0), (long long)jint(tot, "requests_done", 0),
		(long long)jint(tot, "requests_lost", 0));
	fprintf(f, "pages: %lld planned, %lld %s, %lld moved, %lld failed, %lld already there\n",
		(long long)jint(tot, "planned_pages", 0), (long long)jint(tot, "requested", 0),
		dry ? "would be requested" : "requested", (long long)jint(tot, "done_pages", 0),
		(long long)jint(tot, "failed", 0), (long long)jint(tot, "already", 0));
	fmt_failed_by(fb, sizeof(fb), jget(tot, "failed_by"));
	if (fb[0])
		fprintf(f, "failed by: %s\n", fb);
	fprintf(f, "processes: %lld, %lld gone, %lld failed\n", (long long)jint(tot, "procs", 0),
		(long long)jint(tot, "procs_gone", 0), (long long)jint(tot, "procs_failed", 0));
}
