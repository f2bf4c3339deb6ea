/* clock: the one reading of CLOCK_MONOTONIC in nanoseconds, for what
 * the library and the daemon time (scans, walks, calls, ticks), and of
 * the calling thread's CPU time, for what a budget of CPU bounds (clears).
 * Internal to libnumamig; pure code takes time as an input instead. */
#ifndef NUMAMIG_CLOCK_H
#define NUMAMIG_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t nm_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t nm_thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
