/* vmt-check: what the in-guest checkers (tests/vm/vmt-*.c) share: the
 * "ok  "/"FAIL" line per check with a failure count, a monotonic clock in
 * seconds, and errno names as the kernel-facts table spells them.
 * Header-only (static functions): each checker is one static binary. */
#ifndef VMT_CHECK_H
#define VMT_CHECK_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int failures;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", cond ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures += !cond;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "0" for success, else the errno's name (ENODEV), else strerror. */
static inline const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "0";

	return n ? n : strerror(e);
}

#endif
