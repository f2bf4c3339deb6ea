/* cli: numamigctl's command line, parsed into one struct before anything
 * is sent. Options are accepted anywhere after the program name, before or
 * after the command and its arguments, as systemctl, git and ip accept
 * them ("numamigctl status --json" is "numamigctl --json status"); "--"
 * ends the options. Each command takes the global options and its own;
 * an option of another command is a usage error naming the command.
 * Apart from the two output streams it is pure, for the unit tests
 * (tests/test-cli.c). */
#ifndef NUMAMIGCTL_CLI_H
#define NUMAMIGCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum cli_cmd {
	CLI_STATUS,
	CLI_EXPLAIN,
	CLI_TRIGGER,
	CLI_PAUSE,
	CLI_RESUME,
	CLI_RELOAD,
	CLI_POLICY,
	CLI_MIGRATE,
	CLI_MOVE,
	CLI_JOBS,
	CLI_CANCEL,
	CLI_WATCH,
	CLI_NR_CMDS
};

/* What one command is, for usage and help. */
struct cli_command {
	const char *name;
	const char *synopsis;     /* its arguments and options */
	const char *summary;      /* one line or more, for --help */
	int min_args, max_args;   /* positional arguments */
	unsigned options;         /* the command options it takes (1 << CLI_O_*) */
};
extern const struct cli_command cli_commands[CLI_NR_CMDS];

struct cli {
	/* global */
	const char *socket;
	bool json;
	/* the command and its positional arguments */
	enum cli_cmd cmd;
	char **args;
	int nargs;
	/* command options (NULL / false when not given) */
	const char *to, *from, *cgroup;
	const char *mode;         /* "direct", "lazy" */
	bool dry_run, shared;
	bool no_wait;
	double interval;          /* seconds between frames (watch) */
	unsigned iterations;      /* frames; 0: until interrupted (watch) */
};

/* The exit statuses numamigctl(8) documents. */
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2
#define CLI_EXIT_CONNECT 3

/* Parse ARGV into C (DEFAULT_SOCKET unless --socket). Returns -1 when the
 * command should run, else the exit status to end with: 0 after --help
 * or --version (printed on OUT), CLI_EXIT_USAGE after a usage error
 * (explained on ERR). ARGV is permuted (getopt_long). */
int cli_parse(int argc, char **argv, const char *default_socket, struct cli *c, FILE *out,
	      FILE *err);

#endif
