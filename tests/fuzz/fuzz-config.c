/* fuzz-config: the YAML config (main file and policy files), which an
 * operator writes and the daemon re-reads on reload: a typo must come back
 * as diagnostics, never as a crash or a leak. An accepted config must also
 * keep config.h's promise that its printed form loads back to the same
 * config (equal hashes). */
#define _GNU_SOURCE
#include <errno.h>

#include "numamig/config.h"
#include "fuzz.h"

static void round_trip(const struct nm_config *config)
{
	struct nm_config_diags diags;
	struct nm_config *again = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return;
	r = nm_config_print(config, f);
	if (fclose(f) != 0 || r < 0) {
		free(text);
		return;
	}
	nm_config_diags_init(&diags);
	r = nm_config_load_text("printed.yaml", text, len, &again, &diags);
	if (r != 0) {
		nm_config_diags_print(&diags, stderr);
		fprintf(stderr, "printed config:\n%s", text);
	}
	FUZZ_CHECK(r == 0 || r == -ENOMEM);
	if (r == 0)
		FUZZ_CHECK(nm_config_hash(again) == nm_config_hash(config));
	nm_config_free(again);
	nm_config_diags_clear(&diags);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nm_config_diags diags;
	struct nm_config *config = NULL;
	char line[512];
	int r;

	nm_config_diags_init(&diags);
	r = nm_config_load_text("fuzz.yaml", (const char *)data, size, &config, &diags);
	/* Format every diagnostic, as the daemon logs them. */
	for (size_t i = 0; i < diags.n; i++)
		nm_config_diag_format(&diags.v[i], line, sizeof(line));
	FUZZ_CHECK(diags.n <= 2 * (NM_CONFIG_DIAGS_MAX + 1));
	if (r == 0) {
		FUZZ_CHECK(config && diags.errors == 0);
		(void)nm_config_match(config, "/system.slice/x.service", "x");
		(void)nm_config_wants_cgroup(config, "/user.slice");
		round_trip(config);
		nm_config_free(config);
	} else {
		FUZZ_CHECK(!config);
		FUZZ_CHECK(r == -ENOMEM || diags.errors > 0);
	}
	nm_config_diags_clear(&diags);
	return 0;
}
