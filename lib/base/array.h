/* array: growing a malloc'd array by doubling. Internal to libnumamig:
 * the footprint and the job planner keep lists whose length they learn
 * only while reading /proc. */
#ifndef NUMAMIG_ARRAY_H
#define NUMAMIG_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* Make *ARR (items of ELEM bytes, room for *CAP) hold at least NEED items.
 * Returns 0 or -ENOMEM (the array is left as it was). */
static inline int array_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

#endif
