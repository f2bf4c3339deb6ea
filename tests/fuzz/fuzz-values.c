/* fuzz-values: the small text parsers the config and the command line
 * share (durations, sizes, rates, percentages) and the kernel list format
 * of sysfs node and CPU lists, /proc status lists and numa_maps policies
 * ("0-1,16-17"). What is accepted must print back to text that parses to
 * the same value. */
#include <errno.h>

#include "numamig/config.h"
#include "numamig/set.h"
#include "fuzz.h"

static void unit_values(const char *text)
{
	const char *why;
	uint64_t v, again;
	unsigned pct;
	char buf[64];

	if (nm_config_parse_duration(text, &v, &why) == 0 &&
	    nm_config_format_duration(v, buf, sizeof(buf)) >= 0) {
		FUZZ_CHECK(nm_config_parse_duration(buf, &again, NULL) == 0 && again == v);
	}
	if (nm_config_parse_size(text, &v, &why) == 0 &&
	    nm_config_format_size(v, buf, sizeof(buf)) >= 0) {
		FUZZ_CHECK(nm_config_parse_size(buf, &again, NULL) == 0 && again == v);
	}
	(void)nm_config_parse_rate(text, &v, &why);
	if (nm_config_parse_percent(text, &pct, &why) == 0)
		FUZZ_CHECK(pct <= 100);
}

static void list(const char *text, unsigned nbits)
{
	struct bitmask *set = nm_set_parse_list(text, nbits), *again;
	char buf[8 * 1024];

	if (!set)
		return;
	FUZZ_CHECK(nm_set_last(set) <= NM_SET_MAX_ID);
	if (nm_set_format(set, buf, sizeof(buf)) >= 0) {
		again = nm_set_parse_list(buf, nbits);
		FUZZ_CHECK(again && numa_bitmask_equal(set, again));
		numa_bitmask_free(again);
	}
	numa_bitmask_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	if (!text)
		return 0;
	unit_values(text);
	list(text, 0);
	list(text, 64); /* ERANGE paths: ids past a small mask */
	free(text);
	return 0;
}
