/* watch: `numamigctl watch`, a live view of the daemon refreshed in place.
 *
 * Every interval it asks for the status (GetStatus) and draws one frame:
 * the daemon, the nodes (CPUs, free memory, the tracked processes' CPU
 * time and memory there), and the tracked processes sorted by misplaced
 * memory (eligible memory not on the node they run on), each with its
 * locality, a sparkline of its last localities, its planner state, pages
 * moved per second and the reason of its last tick. Locality history and
 * rates are kept here, across frames, by pid.
 *
 * On a terminal the frame is drawn on the alternate screen from the top
 * left and cut to the terminal's width, and the screen is given back on
 * exit (the iterations done, SIGINT, SIGTERM); otherwise each frame is
 * printed whole after the last, for scripts and logs. */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "client.h"
#include "print.h"
#include "watch.h"

#define HISTORY 10              /* localities in a sparkline */
#define MAX_PIDS 256            /* processes whose history is kept */
#define STATUS_TOP 256          /* processes asked for, sorted here */

struct seen {
	int pid;
	unsigned gen;               /* the frame it was last in */
	int n;                      /* localities kept (<= HISTORY), oldest first */
	double loc[HISTORY];
	long long moved;            /* pages_moved at the last frame */
	double rate;                /* pages moved per second since it */
};

struct view {
	const struct cli *cli;
	bool tty, utf8;
	unsigned gen;
	double last_s;              /* time of the last frame */
	struct seen seen[MAX_PIDS];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static struct seen *seen_of(struct view *v, int pid)
{
	struct seen *free_slot = NULL;

	for (int i = 0; i < MAX_PIDS; i++) {
		if (v->seen[i].pid == pid)
			return &v->seen[i];
		if (!free_slot && (!v->seen[i].pid || v->seen[i].gen + 1 < v->gen))
			free_slot = &v->seen[i]; /* empty, or gone for a frame */
	}
	if (free_slot)
		*free_slot = (struct seen){ .pid = pid, .moved = -1 };
	return free_slot;
}

/* The sparkline of S's localities (0-100 %), into BUF. */
static void sparkline(const struct view *v, const struct seen *s, char *buf, size_t size)
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = "_.-=+*#@";
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < s->n && len + 4 < size; i++) {
		int k = (int)(s->loc[i] / 100 * 7.999);

		k = k < 0 ? 0 : k > 7 ? 7 : k;
		len += (size_t)snprintf(buf + len, size - len, "%s",
					v->utf8 ? blocks[k] : (char[]){ ascii[k], 0 });
	}
}

static double misplaced_bytes(json_object *p)
{
	json_object *loc = jget(p, "locality_pct");

	return loc ? (double)jint(p, "eligible_bytes", 0) *
		     (100 - json_object_get_double(loc)) / 100 : 0;
}

static int by_misplaced(const void *a, const void *b)
{
	double x = misplaced_bytes(*(json_object *const *)a);
	double y = misplaced_bytes(*(json_object *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void header(FILE *f, json_object *st)
{
	char up[FMT_MAX], moved[FMT_MAX], clock[16];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	fprintf(f, "numamigd %s, pid %lld, up %s, %s, %lld policies, %zu tracked  %s\n",
		jstr(st, "daemon.version", "?"), (long long)jint(st, "daemon.pid", 0),
		fmt_ms(up, jint(st, "daemon.uptime_ms", -1)),
		jbool(st, "daemon.paused") == 1 ? "PAUSED" : "running",
		(long long)jint(st, "daemon.policies", 0),
		json_object_array_length(jget(st, "processes")), clock);
	fprintf(f, "migrated %s, %lld pages failed\n\n",
		fmt_bytes(moved, jint(st, "totals.bytes_migrated", 0)),
		(long long)jint(st, "totals.pages_failed", 0));
}

static void processes(struct view *v, FILE *f, json_object *st, double dt)
{
	static const char *const headers[] = { ">PID", "COMMAND", ">LOCAL", "HISTORY", "STATE",
					       ">MOVES/S", ">MISPLACED", "LAST" };
	size_t n;
	json_object *a = jarray(st, "processes", &n), **ps = calloc(n + 1, sizeof(*ps));
	struct table *t = TABLE_NEW(headers);

	for (size_t i = 0; ps && i < n; i++)
		ps[i] = json_object_array_get_idx(a, i);
	if (ps)
		qsort(ps, n, sizeof(*ps), by_misplaced);
	for (size_t i = 0; ps && i < n; i++) {
		json_object *p = ps[i], *loc = jget(p, "locality_pct");
		struct seen *s = seen_of(v, (int)jint(p, "pid", 0));
		char b[8][TABLE_CELL_MAX];
		const char *cells[8];
		long long moved = jint(p, "pages_moved", 0);

		if (s) {
			if (s->gen != v->gen && loc) {
				if (s->n == HISTORY)
					memmove(s->loc, s->loc + 1, sizeof(s->loc) - sizeof(*s->loc));
				s->loc[s->n < HISTORY ? s->n++ : HISTORY - 1] = json_object_get_double(loc);
			}
			s->rate = s->moved >= 0 && dt > 0 ? (double)(moved - s->moved) / dt : -1;
			s->moved = moved;
			s->gen = v->gen;
		}
		snprintf(b[0], sizeof(b[0]), "%lld", (long long)jint(p, "pid", 0));
		snprintf(b[1], sizeof(b[1]), "%.15s", jstr(p, "comm", "?"));
		fmt_pct(b[2], loc);
		if (s)
			sparkline(v, s, b[3], sizeof(b[3]));
		else
			strcpy(b[3], "-");
		snprintf(b[4], sizeof(b[4]), "%s", jstr(p, "state", "-"));
		if (s && s->rate >= 0)
			snprintf(b[5], sizeof(b[5]), "%.0f", s->rate);
		else
			strcpy(b[5], "-");
		fmt_bytes(b[6], (int64_t)misplaced_bytes(p));
		snprintf(b[7], sizeof(b[7]), "%s", jstr(p, "last_reason", "-"));
		for (int c = 0; c < 8; c++)
			cells[c] = b[c];
		table_add(t, cells);
	}
	table_print(t, f, "");
	table_free(t);
	free(ps);
}

/* One frame of status ST into a string. */
static char *frame(struct view *v, json_object *st)
{
	double now = (double)nm_mono_ns() / 1e9, dt = v->last_s > 0 ? now - v->last_s : 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	v->gen++;
	v->last_s = now;
	header(f, st);
	print_node_table(f, st);
	fputc('\n', f);
	processes(v, f, st, dt);
	fclose(f);
	return buf;
}

/* FRAME on a terminal of COLS columns: from the top left, each line cut
 * to the width (at a character) and cleared to its end, then the rest of
 * the screen cleared. */
static void draw(const char *frame, int cols)
{
	fputs("\033[H", stdout);
	for (const char *p = frame; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p), cut = 0;
		int w = 0;

		while (cut < len) {
			bool lead = ((unsigned char)p[cut] & 0xc0) != 0x80;

			if (lead && w == cols)
				break;
			w += lead;
			cut++;
		}
		fwrite(p, 1, cut, stdout);
		fputs("\033[K\n", stdout);
		p += len + (nl != NULL);
	}
	fputs("\033[J", stdout);
	fflush(stdout);
}

static int columns(void)
{
	struct winsize ws;

	return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

/* Sleep SECS, or less if a signal comes. */
static void pause_s(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

	nanosleep(&ts, NULL);
}

int watch_run(const struct cli *c)
{
	struct view *v = calloc(1, sizeof(*v));
	struct sigaction sa = { .sa_handler = on_signal };
	json_object *params = json_object_new_object();
	int status = 0;

	if (!v || !params) {
		fprintf(stderr, "numamigctl: out of memory\n");
		return CLI_EXIT_ERROR;
	}
	v->cli = c;
	v->tty = isatty(STDOUT_FILENO);
	setlocale(LC_CTYPE, "");
	v->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	json_object_object_add(params, "top", json_object_new_int(STATUS_TOP));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (v->tty)
		fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */
	for (unsigned i = 0; !stop && (!c->iterations || i < c->iterations); i++) {
		json_object *reply = NULL;
		char *text;
		int fd = client_connect(c->socket), r;

		if (fd < 0) {
			client_connect_error(c->socket, fd);
			status = CLI_EXIT_CONNECT;
			break;
		}
		r = client_call(fd, "io.numamigd.GetStatus", params, &reply);
		close(fd);
		if (r < 0 || jget(reply, "error")) {
			json_object_put(reply);
			fprintf(stderr, "numamigctl: watch: no status from numamigd: %s\n",
				r < 0 ? strerror(-r) : "an error reply");
			status = r < 0 ? CLI_EXIT_CONNECT : CLI_EXIT_ERROR;
			break;
		}
		print_sanitize(reply);
		text = frame(v, jget(reply, "parameters"));
		json_object_put(reply);
		if (v->tty)
			draw(text ? text : "", columns());
		else
			printf("%s%s", i ? "\n" : "", text ? text : "");
		fflush(stdout);
		free(text);
		if (!c->iterations || i + 1 < c->iterations)
			pause_s(c->interval);
	}
	if (v->tty)
		fputs("\033[?25h\033[?1049l", stdout);
	json_object_put(params);
	free(v);
	return status;
}
