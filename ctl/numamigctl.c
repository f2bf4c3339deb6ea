/* numamigctl: the operator's client of numamigd's control socket.
 *
 * A thin client: it parses the command line, sends one request over the
 * control socket (client.c) and prints the reply, as tables (print*.c) or,
 * with --json, as the reply's parameters exactly as the daemon sent them.
 * The exit status tells scripts what happened: 0 done, 1 the daemon
 * answered with an error, 2 bad usage, 3 no daemon to talk to (not
 * running, or no permission on its socket).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "cli.h"
#include "client.h"
#include "print.h"
#include "watch.h"

struct command {
	const char *method;
	bool job;             /* a long call run as a daemon job: followed */
	/* Fill the request's parameters from the command line; false:
	 * usage (explained on stderr). */
	bool (*params)(const struct cli *c, json_object *p);
	void (*print)(FILE *f, json_object *params);
};

static bool parse_pid(const char *s, int *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 0x7fffffffL) {
		fprintf(stderr, "numamigctl: '%s' is not a process id\n", s);
		return false;
	}
	*pid = (int)v;
	return true;
}

static bool pid_param(const struct cli *c, json_object *p)
{
	int pid;

	if (!parse_pid(c->args[0], &pid))
		return false;
	json_object_object_add(p, "pid", json_object_new_int(pid));
	return true;
}

/* A cgroup v2 path; false (explained) if it is not absolute. */
static bool cgroup_path(const char *s)
{
	if (s[0] == '/')
		return true;
	fprintf(stderr, "numamigctl: the cgroup '%s' must start with '/' "
		"(a cgroup v2 path such as /system.slice/x.service)\n", s);
	return false;
}

static bool job_id_param(const struct cli *c, json_object *p)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(c->args[0], &end, 10);
	if (errno || *end || end == c->args[0] || v <= 0 || v > 0xffffffffL) {
		fprintf(stderr, "numamigctl: '%s' is not a job id (numamigctl jobs lists them)\n",
			c->args[0]);
		return false;
	}
	json_object_object_add(p, "id", json_object_new_int64(v));
	return true;
}

static bool cgroup_param(const struct cli *c, json_object *p)
{
	if (c->nargs == 0)
		return true;
	if (!cgroup_path(c->args[0]))
		return false;
	json_object_object_add(p, "cgroup", json_object_new_string(c->args[0]));
	return true;
}

static void print_trigger(FILE *f, json_object *p)
{
	fprintf(f, "pid %lld: re-evaluated at the next tick, ignoring dwell and cooldown%s\n",
		(long long)jint(p, "pid", 0),
		jbool(p, "paused") == 1 ? " (but the daemon is paused: resume it first)" : "");
}

static void print_pause(FILE *f, json_object *p)
{
	int was = jbool(p, "was_paused"), now = jbool(p, "paused");

	fprintf(f, "%s%s\n", now == 1 ? "paused" : "running",
		was == now ? " (it already was)" : now == 1 ? ": no migrations are planned" : "");
}

static void print_diagnostics(FILE *f, json_object *p)
{
	size_t n;
	json_object *d = jarray(p, "diagnostics", &n);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", json_object_get_string(json_object_array_get_idx(d, i)));
}

static void print_reload(FILE *f, json_object *p)
{
	print_diagnostics(stderr, p);
	fprintf(f, "configuration reloaded: %lld policies, hash %s\n",
		(long long)jint(p, "policies", 0), jstr(p, "config_hash", "-"));
}

static void print_any_policy(FILE *f, json_object *p)
{
	if (jget(p, "cgroup"))
		print_policy(f, p);
	else
		print_policies(f, p);
}

/* ---- migrate and move ---- */

static bool usage_of(enum cli_cmd cmd)
{
	fprintf(stderr, "numamigctl: usage: numamigctl %s %s\n", cli_commands[cmd].name,
		cli_commands[cmd].synopsis);
	return false;
}

/* A node list ("1", "0,2", "0-1", "0-1,3") as a JSON array; NULL if bad. */
static json_object *node_list(const char *s)
{
	json_object *a = json_object_new_array();
	const char *p = s;

	for (;;) {
		char *end;
		long lo, hi;

		errno = 0;
		lo = strtol(p, &end, 10);
		if (errno || end == p || lo < 0 || lo > 4095 || *p == '-' || *p == '+')
			goto bad;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
			if (errno || end == p || hi < lo || hi > 4095 || *p == '-' || *p == '+')
				goto bad;
		}
		for (long n = lo; n <= hi; n++)
			json_object_array_add(a, json_object_new_int((int)n));
		if (*end == 0)
			return a;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
bad:
	json_object_put(a);
	fprintf(stderr, "numamigctl: '%s' is not a node list (such as 1, 0,2 or 0-1)\n", s);
	return NULL;
}

/* An unsigned number in C notation (0x7f..., decimal), LEN may end in
 * K, M or G (binary units). */
static bool parse_size(const char *what, const char *s, bool suffix, unsigned long long *out)
{
	unsigned long long v, mult = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (suffix && end != s && end[0] && !end[1]) {
		switch (*end) {
		case 'k': case 'K': mult = 1ULL << 10; end++; break;
		case 'm': case 'M': mult = 1ULL << 20; end++; break;
		case 'g': case 'G': mult = 1ULL << 30; end++; break;
		}
	}
	if (errno || end == s || *end || *s == '-' || *s == '+' || v > UINT64_MAX / mult) {
		fprintf(stderr, "numamigctl: '%s' is not a valid %s\n", s, what);
		return false;
	}
	*out = v * mult;
	return true;
}

/* P owns what is added to it, even when the parameters turn out bad. */
static bool migrate_params(const struct cli *c, json_object *p)
{
	json_object *to, *from, *pids;

	if (!c->to || !c->cgroup == !c->nargs)
		return usage_of(CLI_MIGRATE);
	if (c->cgroup && !cgroup_path(c->cgroup))
		return false;
	if (!(to = node_list(c->to)))
		return false;
	json_object_object_add(p, "to", to);
	if (c->from) {
		if (!(from = node_list(c->from)))
			return false;
		json_object_object_add(p, "from", from);
		if (json_object_array_length(from) != json_object_array_length(to)) {
			fprintf(stderr, "numamigctl: --from and --to must list as many nodes\n");
			return false;
		}
	}
	if (c->cgroup) {
		json_object_object_add(p, "cgroup", json_object_new_string(c->cgroup));
	} else {
		pids = json_object_new_array();
		json_object_object_add(p, "pids", pids);
		for (int i = 0, pid; i < c->nargs; i++) {
			if (!parse_pid(c->args[i], &pid))
				return false;
			json_object_array_add(pids, json_object_new_int(pid));
		}
	}
	if (c->mode)
		json_object_object_add(p, "mode", json_object_new_string(c->mode));
	if (c->dry_run)
		json_object_object_add(p, "dry_run", json_object_new_boolean(true));
	return true;
}

static bool move_params(const struct cli *c, json_object *p)
{
	unsigned long long addr, len, node;
	char buf[32];
	int pid;

	if (!parse_pid(c->args[0], &pid) || !parse_size("address", c->args[1], false, &addr) ||
	    !parse_size("length", c->args[2], true, &len))
		return false;
	if (!parse_size("node", c->args[3], false, &node) || node > 0x7fffffff)
		return false;
	snprintf(buf, sizeof(buf), "0x%llx", addr);
	json_object_object_add(p, "pid", json_object_new_int(pid));
	json_object_object_add(p, "address", json_object_new_string(buf));
	if (len > INT64_MAX) {
		snprintf(buf, sizeof(buf), "%llu", len);
		json_object_object_add(p, "length", json_object_new_string(buf));
	} else {
		json_object_object_add(p, "length", json_object_new_int64((int64_t)len));
	}
	json_object_object_add(p, "node", json_object_new_int((int)node));
	if (c->dry_run)
		json_object_object_add(p, "dry_run", json_object_new_boolean(true));
	if (c->shared)
		json_object_object_add(p, "shared", json_object_new_boolean(true));
	return true;
}

/* By enum cli_cmd; cli.c has their names, arguments and help. */
static const struct command commands[CLI_NR_CMDS] = {
	[CLI_STATUS] = { "io.numamigd.GetStatus", false, NULL, print_status },
	[CLI_EXPLAIN] = { "io.numamigd.Explain", false, pid_param, print_explain },
	[CLI_TRIGGER] = { "io.numamigd.Trigger", false, pid_param, print_trigger },
	[CLI_PAUSE] = { "io.numamigd.Pause", false, NULL, print_pause },
	[CLI_RESUME] = { "io.numamigd.Resume", false, NULL, print_pause },
	[CLI_RELOAD] = { "io.numamigd.Reload", false, NULL, print_reload },
	[CLI_POLICY] = { "io.numamigd.GetPolicy", false, cgroup_param, print_any_policy },
	[CLI_MIGRATE] = { "io.numamigd.Migrate", true, migrate_params, print_migrate },
	[CLI_MOVE] = { "io.numamigd.Move", true, move_params, print_move },
	[CLI_JOBS] = { "io.numamigd.ListJobs", false, NULL, print_jobs },
	[CLI_CANCEL] = { "io.numamigd.CancelJob", false, job_id_param, print_cancel },
	[CLI_WATCH] = { NULL, false, NULL, NULL }, /* watch.c: a request per frame */
};


/* An error reply: its name and message on stderr (and the reply on
 * stdout with --json, for scripts). */
static int report_error(const struct cli *a, json_object *reply)
{
	const char *error = jstr(reply, "error", "?");
	const char *msg = jstr(reply, "parameters.message", NULL);
	json_object *p = jget(reply, "parameters");

	if (a->json)
		printf("%s\n", json_object_to_json_string_ext(reply, CLIENT_JSON_FLAGS));
	print_sanitize(reply); /* stderr is a terminal, not JSON */
	error = jstr(reply, "error", "?");
	msg = jstr(reply, "parameters.message", NULL);
	if (msg)
		fprintf(stderr, "numamigctl: %s: %s\n", error, msg);
	else
		fprintf(stderr, "numamigctl: %s %s\n", error,
			p ? json_object_to_json_string_ext(p, CLIENT_JSON_FLAGS) : "");
	if (!a->json)
		print_diagnostics(stderr, p);
	return CLI_EXIT_ERROR;
}

/* ---- following a job ---- */

/* Plain progress lines (not on a terminal) come at most this often. */
#define PLAIN_EVERY_MS 5000

struct follow {
	const struct cli *cli;
	bool tty;                 /* a bar on stderr, rewritten in place */
	bool bar_shown;
	uint64_t last_ns;         /* of the last plain line */
};

static bool on_progress(json_object *reply, void *arg)
{
	struct follow *fo = arg;
	uint64_t now;
	json_object *j;

	if (fo->cli->no_wait)
		return false; /* the first reply: the job's id */
	if (fo->cli->json)
		return true;
	print_sanitize(reply);
	j = jget(reply, "parameters.job");
	if (!j)
		return true;
	if (fo->tty) {
		print_job_progress(stderr, j, true);
		fo->bar_shown = true;
		return true;
	}
	now = nm_mono_ns();
	if (fo->last_ns && now - fo->last_ns < PLAIN_EVERY_MS * 1000000ull)
		return true;
	fo->last_ns = now;
	print_job_progress(stderr, j, false);
	return true;
}

/* The job's first reply, for --no-wait. */
static void print_started(FILE *f, json_object *p)
{
	json_object *j = jget(p, "job");

	fprintf(f, "job %lld %s: %s %s\n"
		"  numamigctl jobs shows its progress; numamigctl cancel %lld stops it\n",
		(long long)jint(j, "id", 0), jstr(j, "state", "?"), jstr(j, "kind", "?"),
		jstr(j, "what", "?"), (long long)jint(j, "id", 0));
}

static int run(const struct cli *a, const struct command *cmd)
{
	json_object *params = json_object_new_object(), *reply = NULL;
	struct follow fo = { .cli = a, .tty = isatty(STDERR_FILENO) };
	bool started = false;
	int fd, r;

	if (cmd->params && !cmd->params(a, params)) {
		json_object_put(params);
		return CLI_EXIT_USAGE;
	}
	fd = client_connect(a->socket);
	if (fd < 0) {
		json_object_put(params);
		client_connect_error(a->socket, fd);
		return CLI_EXIT_CONNECT;
	}
	if (cmd->job)
		r = client_call_more(fd, cmd->method, params, on_progress, &fo, &reply);
	else
		r = client_call(fd, cmd->method, params, &reply);
	close(fd);
	json_object_put(params);
	if (fo.bar_shown)
		fputs("\r\033[K", stderr); /* the summary replaces the bar */
	if (r < 0) {
		fprintf(stderr, "numamigctl: %s: no answer from numamigd: %s\n", cmd->method,
			r == -EPROTO ? "malformed reply" : strerror(-r));
		return CLI_EXIT_CONNECT;
	}
	/* --no-wait stopped at a reply that continues: the job runs on. */
	started = jbool(reply, "continues") == 1;
	if (jget(reply, "error"))
		r = report_error(a, reply);
	else if (a->json)
		printf("%s\n", json_object_to_json_string_ext(jget(reply, "parameters"),
							      CLIENT_JSON_FLAGS));
	else {
		print_sanitize(reply);
		(started ? print_started : cmd->print)(stdout, jget(reply, "parameters"));
	}
	json_object_put(reply);
	return r == CLI_EXIT_ERROR ? CLI_EXIT_ERROR : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct cli c;
	int r = cli_parse(argc, argv, CLIENT_DEFAULT_SOCKET, &c, stdout, stderr);

	if (r >= 0)
		return r;
	return c.cmd == CLI_WATCH ? watch_run(&c) : run(&c, &commands[c.cmd]);
}
