/* replay-main: runs one fuzz target (linked beside it) over every file of
 * the corpus directories given as arguments, or over FUZZ_CORPUS when run
 * without any, as `make check` does. This is the regression half of the
 * fuzzing: every committed input, crashers included once fixed, is
 * replayed by gcc-built code (and by valgrind in check-valgrind), with no
 * clang or libFuzzer needed. A broken property aborts, failing the test. */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (size == cap) {
			uint8_t *bigger = realloc(data, cap = cap ? 2 * cap : 4096);

			if (!bigger) {
				free(data);
				fclose(f);
				return -1;
			}
			data = bigger;
		}
		n = fread(data + size, 1, cap - size, f);
		size += n;
	} while (n > 0);
	fclose(f);
	/* An exact-size copy, so reading past the input is an error valgrind
	 * sees, as ASan does under libFuzzer. */
	{
		uint8_t *exact = malloc(size ? size : 1);

		if (exact) {
			memcpy(exact, data, size);
			LLVMFuzzerTestOneInput(exact, size);
			free(exact);
		}
	}
	free(data);
	return 0;
}

/* PATH is a corpus directory or a single input. Returns inputs replayed,
 * or -1. Directory order does not matter: each input runs on its own. */
static int replay(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int count = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;
	if (!(d = opendir(path)))
		return -1;
	while ((de = readdir(d))) {
		char file[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if (replay_file(file) < 0) {
			count = -1;
			break;
		}
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	char *fallback[] = { argv[0], (char *)FUZZ_CORPUS, NULL };
	int total = 0;

	if (argc < 2) {
		argv = fallback;
		argc = 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = replay(argv[i]);

		if (n < 0)
			return 1;
		if (n == 0) {
			/* An empty corpus would pass while testing nothing. */
			fprintf(stderr, "%s: no inputs\n", argv[i]);
			return 1;
		}
		printf("%s: %d inputs replayed\n", argv[i], n);
		total += n;
	}
	return total > 0 ? 0 : 1;
}
