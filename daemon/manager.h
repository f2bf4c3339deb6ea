/* manager: the daemon's event loop and everything it owns: the sd-event
 * loop (tick timer, signals, the migrator's completion fd), the running
 * config and its reload, the engine, kernel.numa_balancing, and systemd
 * notification (READY, RELOADING, STATUS, WATCHDOG). */
#ifndef NUMAMIGD_MANAGER_H
#define NUMAMIGD_MANAGER_H

#include "numamig/config.h"
#include "numamig/knb.h"
#include "numamig/sampler.h"

#include <stdbool.h>
#include <stdint.h>

struct control_method;

struct manager_opts {
	const char *root;                  /* "/" */
	const char *state_dir;             /* kept across restarts */
	struct nm_config_paths paths;
	enum nm_sampler_source source;
	/* The control socket's methods (ctl-methods.c): given by main, so
	 * that the manager does not depend on the methods that call it. */
	const struct control_method *methods;
	size_t n_methods;
};

struct manager;

/* Load the config and set everything up; on failure it has logged why
 * (config errors as file:line:col, anything else as "cannot start: ..."). */
int manager_new(const struct manager_opts *opts, struct manager **out);
/* Run until SIGTERM or SIGINT. Returns the exit status. */
int manager_run(struct manager *m);
void manager_free(struct manager *m);

/* Load the config PATHS name, printing every diagnostic to stderr.
 * Returns the config or NULL. Shared by start-up, reload and
 * --check-config. */
struct nm_config *manager_load_config(const struct nm_config_paths *paths);

/* ---- for the control socket's methods (ctl-methods.c) ---- */

struct nm_engine;

/* CLOCK_MONOTONIC in ms: the engine's clock. */
uint64_t manager_now_ms(void);
struct nm_engine *manager_engine(const struct manager *m);
const struct nm_config *manager_config(const struct manager *m);
uint64_t manager_started_ms(const struct manager *m);
/* Setting S (numamig/knb.h) now (-errno when unreadable), the value
 * restored on exit (-1: we did not change it), and whether that value was
 * saved by an earlier run that did not restore it. */
void manager_knb(const struct manager *m, enum nm_knb_setting s, int *value, int *saved,
		 bool *adopted);
/* Where the values to restore are saved (--state-dir). */
const char *manager_state_dir(const struct manager *m);
/* Reload the configuration, as SIGHUP does. DIAGS (initialized by the
 * caller, or NULL) receives every diagnostic. Returns 0, or -EINVAL when
 * the files have errors (the running configuration stays), or -errno. */
int manager_reload(struct manager *m, struct nm_config_diags *diags);
/* Pause or resume planning; WHO goes to the log ("uid 0 (pid 42)"). */
void manager_set_paused(struct manager *m, bool paused, const char *who);

#endif
