/* set: node and CPU sets as libnuma bitmasks. See numamig/set.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "numamig/set.h"
#include "api.h"

/* Read one decimal id at *P; advance *P. -1 if there is none or it is too big. */
static long parse_id(const char **p)
{
	long v = 0;

	if (!isdigit((unsigned char)**p))
		return -1;
	while (isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		if (v > NM_SET_MAX_ID)
			return -2;
		(*p)++;
	}
	return v;
}

/* Scan TEXT once: validate it and find the highest id (-1 if empty). */
static int scan_list(const char *text, long *highest)
{
	const char *p = text;

	*highest = -1;
	while (*p && *p != '\n') {
		long lo = parse_id(&p), hi = lo;

		if (lo == -2)
			return -ERANGE;
		if (lo < 0)
			return -EINVAL;
		if (*p == '-') {
			p++;
			hi = parse_id(&p);
			if (hi == -2)
				return -ERANGE;
			if (hi < lo)
				return -EINVAL;
		}
		if (hi > *highest)
			*highest = hi;
		if (*p == ',') {
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			p++;
		} else if (*p && *p != '\n') {
			return -EINVAL;
		}
	}
	if (*p == '\n' && p[1] != '\0')
		return -EINVAL;
	return 0;
}

NM_API struct bitmask *nm_set_parse_list(const char *text, unsigned nbits)
{
	struct bitmask *set;
	const char *p = text;
	long highest;
	int r = scan_list(text, &highest);

	if (r == 0 && nbits && highest >= (long)nbits)
		r = -ERANGE;
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	set = numa_bitmask_alloc(nbits ? nbits : (unsigned)highest + 1 + (highest < 0));
	if (!set)
		return NULL;
	while (*p && *p != '\n') {
		long lo = parse_id(&p), hi = lo;

		if (*p == '-') {
			p++;
			hi = parse_id(&p);
		}
		for (long i = lo; i <= hi; i++)
			numa_bitmask_setbit(set, (unsigned)i);
		if (*p == ',')
			p++;
	}
	return set;
}

NM_API int nm_set_next(const struct bitmask *set, int from)
{
	for (unsigned long i = from < 0 ? 0 : (unsigned long)from; i < set->size; i++)
		if (numa_bitmask_isbitset(set, (unsigned)i))
			return (int)i;
	return -1;
}

NM_API int nm_set_last(const struct bitmask *set)
{
	for (unsigned long i = set->size; i-- > 0;)
		if (numa_bitmask_isbitset(set, (unsigned)i))
			return (int)i;
	return -1;
}

NM_API int nm_set_format(const struct bitmask *set, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (int lo = nm_set_next(set, 0); lo >= 0;) {
		int hi = lo, w;

		while (hi + 1 < (int)set->size && numa_bitmask_isbitset(set, (unsigned)hi + 1))
			hi++;
		if (hi == lo)
			w = snprintf(buf + n, size - n, "%s%d", n ? "," : "", lo);
		else
			w = snprintf(buf + n, size - n, "%s%d-%d", n ? "," : "", lo, hi);
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
		lo = nm_set_next(set, hi + 1);
	}
	return (int)n;
}

NM_API struct bitmask *nm_set_parse_user(const char *text)
{
	return numa_parse_nodestring(text);
}
