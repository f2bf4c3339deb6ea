/* cli: numamigctl's command line (see cli.h). One getopt_long pass takes
 * every option of every command, in any order and place; the command is
 * the first argument that is not an option, and only then are the options
 * checked against what it takes. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The command options; a command takes those in its mask. */
enum cli_opt { CLI_O_TO, CLI_O_FROM, CLI_O_CGROUP, CLI_O_DIRECT, CLI_O_LAZY, CLI_O_DRY_RUN,
	       CLI_O_SHARED, CLI_O_NO_WAIT, CLI_O_INTERVAL, CLI_O_ITERATIONS, CLI_NR_OPTS };
#define O(x) (1u << CLI_O_##x)
/* getopt_long values of the command options: past any character. */
#define OPT_BASE 256

static const struct option options[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "to", required_argument, NULL, OPT_BASE + CLI_O_TO },
	{ "from", required_argument, NULL, OPT_BASE + CLI_O_FROM },
	{ "cgroup", required_argument, NULL, OPT_BASE + CLI_O_CGROUP },
	{ "direct", no_argument, NULL, OPT_BASE + CLI_O_DIRECT },
	{ "lazy", no_argument, NULL, OPT_BASE + CLI_O_LAZY },
	{ "dry-run", no_argument, NULL, OPT_BASE + CLI_O_DRY_RUN },
	{ "shared", no_argument, NULL, OPT_BASE + CLI_O_SHARED },
	{ "no-wait", no_argument, NULL, OPT_BASE + CLI_O_NO_WAIT },
	{ "interval", required_argument, NULL, OPT_BASE + CLI_O_INTERVAL },
	{ "iterations", required_argument, NULL, OPT_BASE + CLI_O_ITERATIONS },
	{ 0 }
};

/* Help lines of the command options, by enum cli_opt. */
static const char *const option_help[CLI_NR_OPTS] = {
	"  --to=NODES         the target nodes (\"1\", \"0,2\", \"0-1\")\n",
	"  --from=NODES       source nodes; equal-length lists map relatively\n",
	"  --cgroup=PATH      the job is this cgroup v2 and its descendants\n",
	"  --direct           one migrate_pages call per process\n",
	"  --lazy             per-range move_pages with exclusions and sharing (default)\n",
	"  --dry-run          count what would move, move nothing\n",
	"  --shared           also pages mapped by other processes\n",
	"  --no-wait          print the job's id and return; it runs on\n"
	"                     (numamigctl jobs follows it)\n",
	"  --interval=SECS    seconds between frames (default 2; 0.1 to 3600)\n",
	"  --iterations=N     draw N frames and exit (default: until interrupted)\n",
};

const struct cli_command cli_commands[CLI_NR_CMDS] = {
	[CLI_STATUS] = { "status", "",
		"the daemon, migration totals, policies and top processes", 0, 0, 0 },
	[CLI_EXPLAIN] = { "explain", "PID",
		"the planner's view of a tracked process and its reasons", 1, 1, 0 },
	[CLI_TRIGGER] = { "trigger", "PID",
		"re-evaluate a tracked process at the next tick, ignoring\n"
		"dwell and cooldown (root)", 1, 1, 0 },
	[CLI_PAUSE] = { "pause", "",
		"stop planning migrations; tracking goes on (root)", 0, 0, 0 },
	[CLI_RESUME] = { "resume", "", "plan migrations again (root)", 0, 0, 0 },
	[CLI_RELOAD] = { "reload", "",
		"re-read the configuration, as SIGHUP does (root)", 0, 0, 0 },
	[CLI_POLICY] = { "policy", "[CGROUP]",
		"every policy, or the one that applies to CGROUP", 0, 1, 0 },
	[CLI_MIGRATE] = { "migrate",
		"(PID...|--cgroup PATH) --to NODES [--from NODES] [--direct|--lazy] [--dry-run]\n"
		"        [--no-wait]",
		"move a whole job to the nodes NODES, as a daemon job with\n"
		"progress (root)", 0, 1 << 20,
		O(TO) | O(FROM) | O(CGROUP) | O(DIRECT) | O(LAZY) | O(DRY_RUN) | O(NO_WAIT) },
	[CLI_MOVE] = { "move", "PID ADDR LEN NODE [--dry-run] [--shared] [--no-wait]",
		"move the pages of PID's range ADDR+LEN to NODE, as a daemon\n"
		"job with progress (root)", 4, 4,
		O(DRY_RUN) | O(SHARED) | O(NO_WAIT) },
	[CLI_JOBS] = { "jobs", "",
		"running and recent migrate and move jobs, with their progress", 0, 0, 0 },
	[CLI_CANCEL] = { "cancel", "ID",
		"stop job ID between two kernel calls (root)", 1, 1, 0 },
	[CLI_WATCH] = { "watch", "[--interval SECS] [--iterations N]",
		"a live view: nodes, and processes by misplaced memory with\n"
		"their locality over time; refreshed in place on a terminal", 0, 0,
		O(INTERVAL) | O(ITERATIONS) },
};

static const char global_help[] =
	"  -s, --socket=PATH  control socket (default %s)\n"
	"  -j, --json         print the reply's parameters as JSON, as received\n"
	"  -h, --help         show this help (of COMMAND, after it) and exit\n"
	"  -V, --version      show the version and exit\n";

static const char exit_help[] =
	"\nExit status: 0 done, 1 the daemon answered with an error, 2 usage error,\n"
	"3 cannot reach the daemon (not running, or no permission on the socket).\n";

/* SUMMARY indented by INDENT after its first line. */
static void print_summary(FILE *f, const char *summary, int indent)
{
	for (const char *p = summary; *p; p++) {
		fputc(*p, f);
		if (*p == '\n')
			fprintf(f, "%*s", indent, "");
	}
	fputc('\n', f);
}

static void usage(FILE *f, const char *socket)
{
	fprintf(f, "Usage: numamigctl [OPTION]... COMMAND [ARG]... [OPTION]...\n"
		   "Query and control numamigd, the userspace NUMA balancing daemon.\n"
		   "\nCommands (numamigctl COMMAND --help for each):\n");
	for (int i = 0; i < CLI_NR_CMDS; i++) {
		const struct cli_command *k = &cli_commands[i];
		int w = fprintf(f, "  %s %s", k->name, k->synopsis);

		/* A long synopsis gets a line of its own. */
		fprintf(f, "%*s", w < 20 ? 20 - w : 0, w < 20 ? "" : "\n                    ");
		print_summary(f, k->summary, 20);
	}
	fprintf(f, "\nOptions:\n");
	fprintf(f, global_help, socket);
	fputs(exit_help, f);
}

static void command_help(FILE *f, const struct cli_command *k, const char *socket)
{
	fprintf(f, "Usage: numamigctl %s%s%s\n", k->name, *k->synopsis ? " " : "", k->synopsis);
	print_summary(f, k->summary, 0);
	if (k->options) {
		fprintf(f, "\nOptions of %s:\n", k->name);
		for (int o = 0; o < CLI_NR_OPTS; o++)
			if (k->options & (1u << o))
				fputs(option_help[o], f);
	}
	fprintf(f, "\nOptions:\n");
	fprintf(f, global_help, socket);
	fputs(exit_help, f);
}

static const char *long_name(int val)
{
	for (const struct option *o = options; o->name; o++)
		if (o->val == val)
			return o->name;
	return "?";
}

static int find_command(const char *name)
{
	for (int i = 0; i < CLI_NR_CMDS; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return i;
	return -1;
}

/* A number in [MIN, MAX] (strtod: "2", "0.5"); false (explained) if ARG
 * is not one. */
static bool number(const char *name, const char *arg, double min, double max, double *out,
		   FILE *err)
{
	char *end;

	errno = 0;
	*out = strtod(arg, &end);
	if (errno || end == arg || *end || !(*out >= min && *out <= max)) {
		fprintf(err, "numamigctl: --%s: '%s' is not a number from %g to %g\n", name, arg,
			min, max);
		return false;
	}
	return true;
}

/* Set option O (enum cli_opt) from ARG; false (explained) if ARG is bad. */
static bool set_option(struct cli *c, int o, const char *arg, FILE *err)
{
	double v;

	switch (o) {
	case CLI_O_INTERVAL:
		return number("interval", arg, 0.1, 3600, &c->interval, err);
	case CLI_O_ITERATIONS:
		/* Digits only: strtod would take "2.5" and "1e3". */
		if (!*arg || arg[strspn(arg, "0123456789")]) {
			fprintf(err, "numamigctl: --iterations: '%s' is not a whole number\n", arg);
			return false;
		}
		if (!number("iterations", arg, 1, 1e9, &v, err))
			return false;
		c->iterations = (unsigned)v;
		return true;
	case CLI_O_TO: c->to = arg; break;
	case CLI_O_FROM: c->from = arg; break;
	case CLI_O_CGROUP: c->cgroup = arg; break;
	case CLI_O_DIRECT: c->mode = "direct"; break;
	case CLI_O_LAZY: c->mode = "lazy"; break;
	case CLI_O_DRY_RUN: c->dry_run = true; break;
	case CLI_O_SHARED: c->shared = true; break;
	case CLI_O_NO_WAIT: c->no_wait = true; break;
	}
	return true;
}

/* The command, its arguments and options, checked against each other. */
static int check_command(struct cli *c, char **rest, int nrest, unsigned seen, FILE *err)
{
	const struct cli_command *k;
	int i;

	if (nrest == 0) {
		fprintf(err, "numamigctl: no command (try numamigctl --help)\n");
		return CLI_EXIT_USAGE;
	}
	if ((i = find_command(rest[0])) < 0) {
		fprintf(err, "numamigctl: unknown command '%s' (try numamigctl --help)\n", rest[0]);
		return CLI_EXIT_USAGE;
	}
	k = &cli_commands[i];
	c->cmd = (enum cli_cmd)i;
	c->args = rest + 1;
	c->nargs = nrest - 1;
	for (int o = 0; o < CLI_NR_OPTS; o++)
		if (seen & ~k->options & (1u << o)) {
			fprintf(err, "numamigctl: %s takes no option --%s (try numamigctl %s --help)\n",
				k->name, long_name(OPT_BASE + o), k->name);
			return CLI_EXIT_USAGE;
		}
	if ((seen & O(DIRECT)) && (seen & O(LAZY))) {
		fprintf(err, "numamigctl: %s: --direct and --lazy exclude each other\n", k->name);
		return CLI_EXIT_USAGE;
	}
	if (c->nargs < k->min_args || c->nargs > k->max_args) {
		fprintf(err, "numamigctl: usage: numamigctl %s%s%s\n", k->name,
			*k->synopsis ? " " : "", k->synopsis);
		return CLI_EXIT_USAGE;
	}
	return -1;
}

int cli_parse(int argc, char **argv, const char *default_socket, struct cli *c, FILE *out,
	      FILE *err)
{
	bool help = false;
	unsigned seen = 0;
	int o, i;

	*c = (struct cli){ .socket = default_socket, .interval = 2 };
	opterr = 0;  /* our messages, on ERR */
	optind = 0;  /* GNU: start afresh (the tests parse many lines) */
	while ((o = getopt_long(argc, argv, ":s:jhV", options, NULL)) != -1) {
		switch (o) {
		case 's': c->socket = optarg; break;
		case 'j': c->json = true; break;
		case 'h': help = true; break;
		case 'V': fprintf(out, "numamigctl %s\n", PACKAGE_VERSION); return 0;
		case ':':
			if (optopt < OPT_BASE && argv[optind - 1][1] != '-')
				fprintf(err, "numamigctl: option '-%c' needs a value\n", optopt);
			else
				fprintf(err, "numamigctl: option '--%s' needs a value\n",
					long_name(optopt));
			return CLI_EXIT_USAGE;
		case '?':
			if (optopt)
				fprintf(err, "numamigctl: unknown option '-%c'", optopt);
			else
				fprintf(err, "numamigctl: unknown option '%s'", argv[optind - 1]);
			fprintf(err, " (try numamigctl --help)\n");
			return CLI_EXIT_USAGE;
		default:
			seen |= 1u << (o - OPT_BASE);
			if (!set_option(c, o - OPT_BASE, optarg, err))
				return CLI_EXIT_USAGE;
		}
	}
	if (help) {
		/* "numamigctl migrate --help": that command's help. */
		i = optind < argc ? find_command(argv[optind]) : -1;
		if (i >= 0)
			command_help(out, &cli_commands[i], default_socket);
		else
			usage(out, default_socket);
		return 0;
	}
	return check_command(c, argv + optind, argc - optind, seen, err);
}
