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
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "print.h"

#define EXIT_ERROR 1
#define EXIT_USAGE 2
#define EXIT_CONNECT 3

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: numamigctl [OPTION]... COMMAND [ARG]...\n"
		"Query and control numamigd, the userspace NUMA balancing daemon.\n"
		"\n"
		"Commands:\n"
		"  status            the daemon, migration totals, policies and top processes\n"
		"  explain PID       the planner's view of a tracked process and its reasons\n"
		"  trigger PID       re-evaluate a tracked process at the next tick, ignoring\n"
		"                    dwell and cooldown (root)\n"
		"  pause             stop planning migrations; tracking goes on (root)\n"
		"  resume            plan migrations again (root)\n"
		"  reload            re-read the configuration, as SIGHUP does (root)\n"
		"  policy [CGROUP]   every policy, or the one that applies to CGROUP\n"
		"  migrate (PID...|--cgroup PATH) --to NODES [--from NODES] [--direct|--lazy]\n"
		"          [--dry-run]\n"
		"                    move a whole job to the nodes NODES (\"1\", \"0,2\", \"0-1\");\n"
		"                    with --from, equal-length lists map relatively (root)\n"
		"  move PID ADDR LEN NODE [--dry-run] [--shared]\n"
		"                    move the pages of PID's range ADDR+LEN to NODE (root)\n"
		"\n"
		"Command options (migrate, move):\n"
		"  --to=NODES, --from=NODES  target and source node lists (migrate)\n"
		"  --cgroup=PATH      the job is this cgroup v2 and its descendants (migrate)\n"
		"  --direct, --lazy   one migrate_pages call per process, or per-range\n"
		"                     move_pages with exclusions and sharing (default; migrate)\n"
		"  --dry-run          count what would move, move nothing\n"
		"  --shared           also pages mapped by other processes (move)\n"
		"\n"
		"Options:\n"
		"  -s, --socket=PATH  control socket (default " CLIENT_DEFAULT_SOCKET ")\n"
		"  -j, --json         print the reply's parameters as JSON, as received\n"
		"  -h, --help         show this help and exit\n"
		"  -V, --version      show the version and exit\n"
		"\n"
		"Exit status: 0 done, 1 the daemon answered with an error, 2 usage error,\n"
		"3 cannot reach the daemon (not running, or no permission on the socket).\n");
}

struct args {
	const char *socket;
	bool json;
	const char *command;
	char **argv;                       /* the command's arguments */
	int argc;
};

struct command {
	const char *name;
	const char *method;
	int min_args, max_args;
	const char *arg_name;              /* for usage errors */
	/* Fill the request's parameters from the arguments; false: usage. */
	bool (*params)(const struct args *a, json_object *p);
	void (*print)(FILE *f, json_object *params);
};

static bool pid_param(const struct args *a, json_object *p)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(a->argv[0], &end, 10);
	if (errno || *end || end == a->argv[0] || v <= 0 || v > 0x7fffffffL) {
		fprintf(stderr, "numamigctl: '%s' is not a process id\n", a->argv[0]);
		return false;
	}
	json_object_object_add(p, "pid", json_object_new_int((int)v));
	return true;
}

static bool cgroup_param(const struct args *a, json_object *p)
{
	if (a->argc == 0)
		return true;
	if (a->argv[0][0] != '/') {
		fprintf(stderr, "numamigctl: the cgroup '%s' must start with '/' "
			"(a cgroup v2 path such as /system.slice/x.service)\n", a->argv[0]);
		return false;
	}
	json_object_object_add(p, "cgroup", json_object_new_string(a->argv[0]));
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

static bool usage_of(const char *cmd)
{
	if (strcmp(cmd, "move") == 0)
		fprintf(stderr, "numamigctl: usage: numamigctl move PID ADDR LEN NODE "
			"[--dry-run] [--shared]\n");
	else
		fprintf(stderr, "numamigctl: usage: numamigctl migrate (PID...|--cgroup PATH) "
			"--to NODES [--from NODES] [--direct|--lazy] [--dry-run]\n");
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

/* "--name=value" or "--name value": the value, advancing *I; NULL if
 * ARG is not --NAME. Sets *MISSING when the value is missing. */
static const char *opt_value(const struct args *a, int *i, const char *name, bool *missing)
{
	const char *arg = a->argv[*i];
	size_t len = strlen(name);

	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len])
		return NULL;
	if (*i + 1 >= a->argc) {
		*missing = true;
		return NULL;
	}
	return a->argv[++*i];
}

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

static bool migrate_params(const struct args *a, json_object *p)
{
	json_object *pids = json_object_new_array(), *to = NULL, *from = NULL;
	const char *cgroup = NULL, *mode = NULL;
	bool dry_run = false;

	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i], *v;
		bool missing = false;
		json_object **list = NULL;
		int pid;

		if ((v = opt_value(a, &i, "--to", &missing)))
			list = &to;
		else if (!missing && (v = opt_value(a, &i, "--from", &missing)))
			list = &from;
		else if (!missing && (v = opt_value(a, &i, "--cgroup", &missing))) {
			if (v[0] != '/') {
				fprintf(stderr, "numamigctl: the cgroup '%s' must start with '/'\n", v);
				goto fail;
			}
			cgroup = v;
			continue;
		}
		if (missing) {
			fprintf(stderr, "numamigctl: %s needs a value\n", arg);
			goto fail;
		}
		if (list) {
			json_object_put(*list);
			if (!(*list = node_list(v)))
				goto fail;
			continue;
		}
		if (strcmp(arg, "--direct") == 0)
			mode = "direct";
		else if (strcmp(arg, "--lazy") == 0)
			mode = "lazy";
		else if (strcmp(arg, "--dry-run") == 0)
			dry_run = true;
		else if (arg[0] == '-' && arg[1]) {
			fprintf(stderr, "numamigctl: migrate: unknown option '%s'\n", arg);
			goto fail_usage;
		} else if (parse_pid(arg, &pid))
			json_object_array_add(pids, json_object_new_int(pid));
		else
			goto fail;
	}
	if (!to || (!cgroup == !json_object_array_length(pids)))
		goto fail_usage;
	if (from && json_object_array_length(from) != json_object_array_length(to)) {
		fprintf(stderr, "numamigctl: --from and --to must list as many nodes\n");
		goto fail;
	}
	if (cgroup) {
		json_object_object_add(p, "cgroup", json_object_new_string(cgroup));
		json_object_put(pids);
	} else {
		json_object_object_add(p, "pids", pids);
	}
	json_object_object_add(p, "to", to);
	if (from)
		json_object_object_add(p, "from", from);
	if (mode)
		json_object_object_add(p, "mode", json_object_new_string(mode));
	if (dry_run)
		json_object_object_add(p, "dry_run", json_object_new_boolean(true));
	return true;
fail_usage:
	usage_of("migrate");
fail:
	json_object_put(pids);
	json_object_put(to);
	json_object_put(from);
	return false;
}

static bool move_params(const struct args *a, json_object *p)
{
	const char *pos[4];
	int npos = 0, pid;
	bool dry_run = false, shared = false;
	unsigned long long addr, len, node;
	char buf[32];

	for (int i = 0; i < a->argc; i++) {
		const char *arg = a->argv[i];

		if (strcmp(arg, "--dry-run") == 0)
			dry_run = true;
		else if (strcmp(arg, "--shared") == 0)
			shared = true;
		else if (arg[0] == '-' && arg[1] == '-') {
			fprintf(stderr, "numamigctl: move: unknown option '%s'\n", arg);
			return usage_of("move");
		} else if (npos < 4)
			pos[npos++] = arg;
		else
			return usage_of("move");
	}
	if (npos != 4)
		return usage_of("move");
	if (!parse_pid(pos[0], &pid) || !parse_size("address", pos[1], false, &addr) ||
	    !parse_size("length", pos[2], true, &len))
		return false;
	if (!parse_size("node", pos[3], false, &node) || node > 0x7fffffff)
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
	if (dry_run)
		json_object_object_add(p, "dry_run", json_object_new_boolean(true));
	if (shared)
		json_object_object_add(p, "shared", json_object_new_boolean(true));
	return true;
}

static const struct command commands[] = {
	{ "status", "io.numamigd.GetStatus", 0, 0, NULL, NULL, print_status },
	{ "explain", "io.numamigd.Explain", 1, 1, "PID", pid_param, print_explain },
	{ "trigger", "io.numamigd.Trigger", 1, 1, "PID", pid_param, print_trigger },
	{ "pause", "io.numamigd.Pause", 0, 0, NULL, NULL, print_pause },
	{ "resume", "io.numamigd.Resume", 0, 0, NULL, NULL, print_pause },
	{ "reload", "io.numamigd.Reload", 0, 0, NULL, NULL, print_reload },
	{ "policy", "io.numamigd.GetPolicy", 0, 1, "[CGROUP]", cgroup_param, print_any_policy },
	{ "migrate", "io.numamigd.Migrate", 1, 1 << 20,
	  "(PID...|--cgroup PATH) --to NODES [--from NODES] [--direct|--lazy] [--dry-run]",
	  migrate_params, print_migrate },
	{ "move", "io.numamigd.Move", 1, 1 << 20, "PID ADDR LEN NODE [--dry-run] [--shared]",
	  move_params, print_move },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	/* "+": options end at the command, so "explain -1" is an argument. */
	while ((c = getopt_long(argc, argv, "+s:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->socket = optarg; break;
		case 'j': a->json = true; break;
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("numamigctl %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "numamigctl: no command (try numamigctl --help)\n");
		return EXIT_USAGE;
	}
	a->command = argv[optind];
	a->argv = argv + optind + 1;
	a->argc = argc - optind - 1;
	return -1;
}

static int connect_error(const char *path, int r)
{
	if (r == -ENOENT || r == -ECONNREFUSED)
		fprintf(stderr, "numamigctl: numamigd is not running (nothing listens on %s)\n", path);
	else if (r == -EACCES || r == -EPERM)
		fprintf(stderr, "numamigctl: permission denied on %s: run as root or as a member "
			"of the socket's group (numamig)\n", path);
	else if (r == -ETIMEDOUT)
		fprintf(stderr, "numamigctl: numamigd accepted no connection on %s within %d s "
			"(all its connections are busy)\n", path, CLIENT_CONNECT_MS / 1000);
	else
		fprintf(stderr, "numamigctl: cannot connect to %s: %s\n", path, strerror(-r));
	return EXIT_CONNECT;
}

/* An error reply: its name and message on stderr (and the reply on
 * stdout with --json, for scripts). */
static int report_error(const struct args *a, json_object *reply)
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
	return EXIT_ERROR;
}

static int run(const struct args *a, const struct command *cmd)
{
	json_object *params = json_object_new_object(), *reply = NULL;
	int fd, r;

	if (cmd->params && !cmd->params(a, params)) {
		json_object_put(params);
		return EXIT_USAGE;
	}
	fd = client_connect(a->socket);
	if (fd < 0) {
		json_object_put(params);
		return connect_error(a->socket, fd);
	}
	r = client_call(fd, cmd->method, params, &reply);
	close(fd);
	json_object_put(params);
	if (r < 0) {
		fprintf(stderr, "numamigctl: %s: no answer from numamigd: %s\n", cmd->method,
			r == -EPROTO ? "malformed reply" : strerror(-r));
		return EXIT_CONNECT;
	}
	if (jget(reply, "error"))
		r = report_error(a, reply);
	else if (a->json)
		printf("%s\n", json_object_to_json_string_ext(jget(reply, "parameters"),
							      CLIENT_JSON_FLAGS));
	else {
		print_sanitize(reply);
		cmd->print(stdout, jget(reply, "parameters"));
	}
	json_object_put(reply);
	return r == EXIT_ERROR ? EXIT_ERROR : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct args a = { .socket = CLIENT_DEFAULT_SOCKET };
	const struct command *cmd;
	int r = parse_args(argc, argv, &a);

	if (r >= 0)
		return r;
	cmd = find_command(a.command);
	if (!cmd) {
		fprintf(stderr, "numamigctl: unknown command '%s' (try numamigctl --help)\n", a.command);
		return EXIT_USAGE;
	}
	if (a.argc < cmd->min_args || a.argc > cmd->max_args) {
		fprintf(stderr, "numamigctl: usage: numamigctl %s%s%s\n", cmd->name,
			cmd->arg_name ? " " : "", cmd->arg_name ? cmd->arg_name : "");
		return EXIT_USAGE;
	}
	return run(&a, cmd);
}
