/* config-value: the unit syntax of config values (durations, sizes, rates,
 * percentages). See numamig/config.h.
 *
 * Numbers are whole and carry their unit: "10" could be ms or s, and "64MB"
 * could be 10^6 or 2^20 bytes, and guessing wrong by a factor of a thousand
 * is worse than asking. Only "0" may go without a unit, because it means the
 * same in every unit. Each rejection says what to write instead.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "numamig/config.h"

struct unit {
	const char *name;
	uint64_t scale;
};

static const struct unit duration_units[] = { /* largest first, for format */
	{ "h", 3600000000ull }, { "m", 60000000ull }, { "s", 1000000ull },
	{ "ms", 1000ull }, { "us", 1ull }, { NULL, 0 },
};

static const struct unit size_units[] = {
	{ "TiB", 1ull << 40 }, { "GiB", 1ull << 30 }, { "MiB", 1ull << 20 },
	{ "KiB", 1ull << 10 }, { "B", 1ull }, { NULL, 0 },
};

/* Units people write that could mean powers of 1000 or of 1024. */
static const char *const ambiguous_sizes[] = {
	"K", "M", "G", "T", "k", "KB", "MB", "GB", "TB", "kB", "Kb", "Mb", "Gb", NULL,
};

/* parse_number()'s complaints, which each caller words for its kind. */
static const char NOT_A_NUMBER[] = "not a number";
static const char FRACTION[] = "fraction";

static int fail(const char **why, const char *text, int err)
{
	if (why)
		*why = text;
	return err;
}

/* The leading integer at *P; advances *P past it and any blanks after. */
static int parse_number(const char **p, uint64_t *v, const char **why)
{
	const char *s = *p;

	if (!isdigit((unsigned char)*s))
		return fail(why, NOT_A_NUMBER, -EINVAL);
	for (*v = 0; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return fail(why, "too large", -ERANGE);
		*v = *v * 10 + d;
	}
	if (*s == '.' || *s == ',')
		return fail(why, FRACTION, -EINVAL);
	while (*s == ' ')
		s++;
	*p = s;
	return 0;
}

static const struct unit *find_unit(const struct unit *units, const char *name)
{
	for (; units->name; units++)
		if (strcmp(units->name, name) == 0)
			return units;
	return NULL;
}

static int scale(uint64_t v, uint64_t by, uint64_t *out, const char **why)
{
	if (by && v > UINT64_MAX / by)
		return fail(why, "too large", -ERANGE);
	*out = v * by;
	return 0;
}

/* A kind of quantity: its units and how each mistake is explained. */
struct quantity {
	const struct unit *units;
	const char *const *ambiguous;   /* units refused as ambiguous, or NULL */
	const char *not_a_number, *fraction, *needs_unit, *unknown_unit, *is_ambiguous;
};

static const struct quantity durations = {
	.units = duration_units,
	.not_a_number = "not a duration; write an integer with a unit, like 500ms, 2s or 5m",
	.fraction = "fractions are not accepted; use a smaller unit (1500ms, not 1.5s)",
	.needs_unit = "a duration needs a unit: ms, s or m (only 0 may go without one)",
	.unknown_unit = "unknown unit; durations take us, ms, s, m or h",
};

static const struct quantity sizes = {
	.units = size_units,
	.ambiguous = ambiguous_sizes,
	.not_a_number = "not a size; write an integer with a unit, like 64MiB",
	.fraction = "fractions are not accepted; use a smaller unit (1536MiB, not 1.5GiB)",
	.needs_unit = "a size needs a unit: B, KiB, MiB, GiB or TiB (only 0 may go without one)",
	.unknown_unit = "unknown unit; sizes take B, KiB, MiB, GiB or TiB",
	.is_ambiguous = "ambiguous unit (powers of 1000 or 1024?); write KiB, MiB, GiB or TiB",
};

/* parse_number with the kind's own words for its two generic failures. */
static int parse_leading(const char **text, uint64_t *v, const char **why,
			 const char *not_a_number, const char *fraction)
{
	int r = parse_number(text, v, why);

	if (r < 0 && *why == NOT_A_NUMBER)
		*why = not_a_number;
	if (r < 0 && *why == FRACTION)
		*why = fraction;
	return r;
}

static int parse_quantity(const char *text, const struct quantity *q, uint64_t *out,
			  const char **why)
{
	const struct unit *u;
	const char *dummy;
	uint64_t v;
	int r;

	why = why ? why : &dummy;
	r = parse_leading(&text, &v, why, q->not_a_number, q->fraction);
	if (r < 0)
		return r;
	if (*text == '\0') {
		if (v == 0)
			return *out = 0, 0;
		return fail(why, q->needs_unit, -EINVAL);
	}
	u = find_unit(q->units, text);
	if (u)
		return scale(v, u->scale, out, why);
	for (const char *const *a = q->ambiguous; a && *a; a++)
		if (strcmp(*a, text) == 0)
			return fail(why, q->is_ambiguous, -EINVAL);
	return fail(why, q->unknown_unit, -EINVAL);
}

int nm_config_parse_duration(const char *text, uint64_t *us, const char **why)
{
	return parse_quantity(text, &durations, us, why);
}

int nm_config_parse_size(const char *text, uint64_t *bytes, const char **why)
{
	return parse_quantity(text, &sizes, bytes, why);
}

int nm_config_parse_rate(const char *text, uint64_t *bytes_per_s, const char **why)
{
	char size[64];
	const char *slash = strrchr(text, '/');
	size_t n;
	int r;

	if (strcmp(text, "unlimited") == 0)
		return *bytes_per_s = 0, 0;
	if (!slash || strcmp(slash, "/s") != 0)
		return fail(why, "a rate is a size per second, like 256MiB/s, or "
			    "'unlimited'", -EINVAL);
	n = (size_t)(slash - text);
	if (n >= sizeof(size))
		return fail(why, "not a rate; write a size per second, like 256MiB/s", -EINVAL);
	memcpy(size, text, n);
	size[n] = '\0';
	while (n > 0 && size[n - 1] == ' ')
		size[--n] = '\0';
	r = nm_config_parse_size(size, bytes_per_s, why);
	if (r == 0 && *bytes_per_s == 0)
		return fail(why, "a rate of 0 would never move anything; write "
			    "'unlimited' for no limit, or use mode: advise", -EINVAL);
	return r;
}

int nm_config_parse_percent(const char *text, unsigned *pct, const char **why)
{
	const char *dummy;
	uint64_t v;
	int r;

	why = why ? why : &dummy;
	r = parse_leading(&text, &v, why, "not a percentage; write an integer with '%', like 70%",
			  "whole percents only, like 70%");
	if (r < 0)
		return r;
	if (strcmp(text, "%") != 0)
		return fail(why, "a percentage needs '%', like 70%", -EINVAL);
	if (v > 100)
		return fail(why, "more than 100%", -ERANGE);
	*pct = (unsigned)v;
	return 0;
}

static int format_in(uint64_t v, const struct unit *units, char *buf, size_t size)
{
	int n;

	if (v == 0) {
		n = snprintf(buf, size, "0");
	} else {
		while (units[1].name && v % units->scale != 0)
			units++;
		n = snprintf(buf, size, "%llu%s",
			     (unsigned long long)(v / units->scale), units->name);
	}
	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int nm_config_format_duration(uint64_t us, char *buf, size_t size)
{
	return format_in(us, duration_units, buf, size);
}

int nm_config_format_size(uint64_t bytes, char *buf, size_t size)
{
	return format_in(bytes, size_units, buf, size);
}
