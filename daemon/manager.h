/* manager: the daemon's event loop and everything it owns: the sd-event
 * loop (tick timer, signals, the migrator's completion fd), the running
 * config and its reload, the engine, kernel.numa_balancing, and systemd
 * notification (READY, RELOADING, STATUS, WATCHDOG). */
#ifndef NUMAMIGD_MANAGER_H
#define NUMAMIGD_MANAGER_H

#include "numamig/config.h"
#include "numamig/sampler.h"

struct manager_opts {
	const char *root;                  /* "/" */
	struct nm_config_paths paths;
	enum nm_sampler_source source;
};

struct manager;

int manager_new(const struct manager_opts *opts, struct manager **out);
/* Run until SIGTERM or SIGINT. Returns the exit status. */
int manager_run(struct manager *m);
void manager_free(struct manager *m);

/* Load the config PATHS name, printing every diagnostic to stderr.
 * Returns the config or NULL. Shared by start-up, reload and
 * --check-config. */
struct nm_config *manager_load_config(const struct nm_config_paths *paths);

#endif
