/* print-jobs: `numamigctl jobs`, `cancel`, and the progress of a migrate
 * or move job while numamigctl waits for it. See print.h. */
#include "config.h"

#include <string.h>

#include "print.h"

#define BAR_WIDTH 24

/* A job's progress: done and total bytes, and the rate (bytes per
 * second over its life). */
static void job_numbers(json_object *j, int64_t *done, int64_t *total, int64_t *rate)
{
	int64_t psz = jint(j, "page_size", 4096), ms = jint(j, "elapsed_ms", 0);

	*done = jint(j, "done_pages", 0) * psz;
	*total = jint(j, "total_pages", 0) * psz;
	if (*total < *done)
		*total = *done; /* the plan's estimate was short */
	*rate = ms > 0 ? *done * 1000 / ms : 0;
}

/* "46%" of DONE in TOTAL, or "-" while the total is not known. */
static char *fmt_part(char *buf, int64_t done, int64_t total)
{
	if (total > 0)
		snprintf(buf, FMT_MAX, "%lld%%", (long long)(done * 100 / total));
	else
		snprintf(buf, FMT_MAX, "-");
	return buf;
}

void print_job_progress(FILE *f, json_object *j, bool tty)
{
	char d[FMT_MAX], t[FMT_MAX], r[FMT_MAX], eta[FMT_MAX], pct[FMT_MAX];
	int64_t done, total, rate;
	const char *state = jstr(j, "state", "?");

	job_numbers(j, &done, &total, &rate);
	fmt_bytes(d, done);
	fmt_bytes(t, total);
	fmt_bytes(r, rate);
	if (rate > 0 && total > done)
		fmt_ms(eta, (total - done) * 1000 / rate);
	else
		snprintf(eta, sizeof(eta), "-");
	fmt_part(pct, done, total);
	if (tty) {
		int fill = total > 0 ? (int)(done * BAR_WIDTH / total) : 0;
		char bar[BAR_WIDTH + 1];

		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
		bar[BAR_WIDTH] = 0;
		/* One line, rewritten in place; \033[K clears what is left of
		 * a longer previous one. */
		fprintf(f, "\rjob %lld [%s] %4s %s of %s  %s/s  ETA %s  %s\033[K",
			(long long)jint(j, "id", 0), bar, pct, d, t, r, eta,
			strcmp(state, "running") ? state : "");
	} else {
		fprintf(f, "job %lld: %s, %s of %s (%s), %s/s, %lld pages moved, %lld failed, "
			"ETA %s\n", (long long)jint(j, "id", 0), state, d, t, pct, r,
			(long long)jint(j, "moved", 0), (long long)jint(j, "failed", 0), eta);
	}
	fflush(f);
}

static void job_row(json_object *j, const char **cells, char (*buf)[TABLE_CELL_MAX])
{
	int64_t done, total, rate;
	char pct[FMT_MAX];

	job_numbers(j, &done, &total, &rate);
	snprintf(buf[0], TABLE_CELL_MAX, "%lld", (long long)jint(j, "id", 0));
	cells[1] = jstr(j, "kind", "-");
	cells[2] = jstr(j, "state", "-");
	snprintf(buf[3], TABLE_CELL_MAX, "%s", fmt_part(pct, done, total));
	fmt_bytes(buf[4], jint(j, "bytes_moved", 0));
	snprintf(buf[5], TABLE_CELL_MAX, "%lld", (long long)jint(j, "failed", 0));
	fmt_bytes(buf[6], jint(j, "rate_bytes_per_s", 0));
	strcat(buf[6], "/s");
	fmt_ms(buf[7], jint(j, "elapsed_ms", 0));
	snprintf(buf[8], TABLE_CELL_MAX, "%lld", (long long)jint(j, "uid", 0));
	cells[9] = jstr(j, "what", "-");
	for (int c = 0; c < 9; c++)
		if (c != 1 && c != 2)
			cells[c] = buf[c];
}

void print_jobs(FILE *f, json_object *p)
{
	static const char *const headers[] = { ">ID", "KIND", "STATE", ">DONE", ">MOVED",
					       ">FAILED", ">RATE", ">TIME", ">UID", "WHAT" };
	size_t n;
	json_object *a = jarray(p, "jobs", &n);
	struct table *t;

	if (n == 0) {
		fprintf(f, "no jobs since numamigd started\n");
		return;
	}
	t = table_of(TABLE_NCOLS(headers), headers, a, n, job_row);
	table_print(t, f, "");
	table_free(t);
}

void print_cancel(FILE *f, json_object *p)
{
	json_object *j = jget(p, "job");

	fprintf(f, "job %lld (%s %s): cancelling; it stops before its next kernel call\n",
		(long long)jint(j, "id", 0), jstr(j, "kind", "?"), jstr(j, "what", "?"));
}
