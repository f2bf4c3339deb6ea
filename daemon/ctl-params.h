/* ctl-params: reading the parameters of io.numamigd calls, and the
 * replies every handler shares. Each getter answers CALL with
 * InvalidParameter and returns false when the value is malformed; a
 * missing optional parameter is not an error. */
#ifndef NUMAMIGD_CTL_PARAMS_H
#define NUMAMIGD_CTL_PARAMS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"

/* Reply io.numamigd InvalidParameter {parameter: NAME}. */
void ctl_invalid_parameter(struct control_call *call, const char *name);
/* PARAMS' member NAME, or NULL. */
json_object *ctl_param(json_object *params, const char *name);
/* An integer in [MIN, MAX]; false if V is anything else. */
bool ctl_as_int(json_object *v, int64_t min, int64_t max, int64_t *out);
/* PARAMS' integer NAME into *OUT, within [MIN, MAX]. Missing: DEF, or an
 * error when DEF < MIN (required). */
bool ctl_get_int(struct control_call *call, json_object *params, const char *name,
		 int64_t min, int64_t max, int64_t def, int64_t *out);
/* An unsigned number: a JSON integer >= 0, or a string strtoull reads
 * with base 0 ("0x7f00..."). */
bool ctl_as_ulong(json_object *v, unsigned long *out);
/* A boolean; missing is false. */
bool ctl_get_bool(struct control_call *call, json_object *params, const char *name, bool *out);
/* An array of integers in [MIN, MAX], at most MAXN long, into a new array
 * (*N 0 when missing). */
bool ctl_get_int_array(struct control_call *call, json_object *params, const char *name,
		       int64_t min, int64_t max, size_t maxn, int **out, size_t *n);
/* Reply io.numamigd.NoSuchProcess {pid, exists, errno (ESRCH when it does
 * not exist), message}: PID is not tracked, or not there at all, which is
 * what the operator needs to know next. */
void ctl_no_such_process(struct control_call *call, pid_t pid);
/* "numamigctl (uid U, pid P)", for log lines about what a caller did. */
void ctl_who(const struct control_call *call, char *buf, size_t size);

#endif
