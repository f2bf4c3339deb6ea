/* numamigctl: the operator's client of numamigd's control socket.
 *
 * A thin client: it parses the command line, sends one request and prints
 * the reply. The control socket is not built yet, so this binary answers
 * --help and --version only and says so for any command.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#define EXIT_USAGE 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: numamigctl [OPTION]... COMMAND\n"
		"Query and control numamigd, the userspace NUMA balancing daemon.\n"
		"\n"
		"  -h, --help     show this help and exit\n"
		"  -V, --version  show the version and exit\n"
		"\n"
		"This build has no control socket yet, so there are no commands.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout); return EXIT_SUCCESS;
		case 'V': printf("numamigctl %s\n", PACKAGE_VERSION); return EXIT_SUCCESS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		fprintf(stderr, "numamigctl: unknown command '%s' (this build has no commands yet)\n",
			argv[optind]);
	else
		usage(stderr);
	return EXIT_USAGE;
}
