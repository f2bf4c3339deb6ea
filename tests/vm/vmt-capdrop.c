/* vmt-capdrop: in a test guest, run a command without some capabilities,
 * as a hardened unit would (CapabilityBoundingSet= without them).
 *
 * Usage: vmt-capdrop CAP[,CAP...] COMMAND [ARG...]
 *   CAP is a capability number or one of the names below. Each is dropped
 *   from the bounding set, then COMMAND is executed: root's capabilities
 *   after execve() are the bounding set, so the command never has them
 *   (e.g. sys_admin: Debian's perf_event_paranoid=3 then refuses every
 *   perf_event_open()). Exit 2 on bad usage, 1 if a drop fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/capability.h>

static int cap_of(const char *name)
{
	static const struct {
		const char *name;
		int cap;
	} caps[] = {
		{ "sys_admin", CAP_SYS_ADMIN }, { "perfmon", CAP_PERFMON },
		{ "sys_nice", CAP_SYS_NICE },   { "sys_ptrace", CAP_SYS_PTRACE },
	};
	char *end;
	long n = strtol(name, &end, 10);

	if (*name && !*end && n >= 0 && n <= CAP_LAST_CAP)
		return (int)n;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (strcmp(caps[i].name, name) == 0)
			return caps[i].cap;
	return -1;
}

int main(int argc, char **argv)
{
	char *list, *name, *save = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: vmt-capdrop CAP[,CAP...] COMMAND [ARG...]\n");
		return 2;
	}
	list = argv[1];
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int cap = cap_of(name);

		if (cap < 0) {
			fprintf(stderr, "vmt-capdrop: unknown capability %s\n", name);
			return 2;
		}
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			fprintf(stderr, "vmt-capdrop: dropping %s: %s\n", name, strerror(errno));
			return 1;
		}
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "vmt-capdrop: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
