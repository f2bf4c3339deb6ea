/* fuzz: what every fuzz target under tests/fuzz/ shares. Each fuzz-*.c
 * defines LLVMFuzzerTestOneInput; clang's libFuzzer drives it when
 * run-fuzz builds it, and replay-main.c drives it over the committed
 * corpus in `make check` (gcc, no clang needed). */
#ifndef NM_FUZZ_H
#define NM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prototype -Wmissing-prototypes wants; libFuzzer's own is the same. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the parser promises was broken: abort() so that both
 * libFuzzer and the replay report it as a crash with this message. */
#define FUZZ_CHECK(cond)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n",       \
				__FILE__, __LINE__, #cond);                     \
			abort();                                                \
		}                                                               \
	} while (0)

/* A writable NUL-terminated copy of the input, with one spare byte: the
 * parsers that work in place want a NUL at text[len]. NULL only on ENOMEM,
 * which a fuzz target simply skips. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		if (size)
			memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif
