/* ctl-methods: the io.numamigd interface, the table of methods the
 * control server (control.h) dispatches to, with their handlers. The
 * handlers are thin: check parameters, call the manager or the engine,
 * build the reply with the ctl-status.h builders. USERDATA is the
 * struct manager. */
#ifndef NUMAMIGD_CTL_METHODS_H
#define NUMAMIGD_CTL_METHODS_H

#include <stddef.h>

#include "control.h"

/* Errors of the io.numamigd interface (control.h has the generic ones). */
#define CTL_E_NO_SUCH_PROCESS "io.numamigd.NoSuchProcess"
#define CTL_E_RELOAD_FAILED "io.numamigd.ReloadFailed"
#define CTL_E_MIGRATION_FAILED "io.numamigd.MigrationFailed"

/* ctl-migrate.c: Move {pid, address, length, node, dry_run?, shared?} and
 * Migrate {pids | cgroup, to, from?, mode?, dry_run?}, answered from the
 * migrator's worker (deferred calls). */
void ctl_move(struct control_call *call, json_object *params, void *userdata);
void ctl_migrate(struct control_call *call, json_object *params, void *userdata);

extern const struct control_method ctl_methods[];
extern const size_t ctl_n_methods;

#endif
