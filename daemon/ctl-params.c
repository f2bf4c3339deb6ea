/* ctl-params: reading the parameters of io.numamigd calls (json-c), with
 * the io.numamigd InvalidParameter reply for anything malformed, shared by
 * the method handlers. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl-methods.h"
#include "ctl-params.h"

void ctl_invalid_parameter(struct control_call *call, const char *name)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "parameter", json_object_new_string(name));
	control_call_error(call, CONTROL_E_INVALID_PARAMETER, p);
}

json_object *ctl_param(json_object *params, const char *name)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(params, name, &v))
		return NULL;
	return v;
}

/* An integer in [MIN, MAX]; false if V is anything else. */
bool ctl_as_int(json_object *v, int64_t min, int64_t max, int64_t *out)
{
	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_int64(v);
	return !errno && *out >= min && *out <= max;
}

bool ctl_get_int(struct control_call *call, json_object *params, const char *name,
		 int64_t min, int64_t max, int64_t def, int64_t *out)
{
	json_object *v = ctl_param(params, name);

	if (!v && def >= min) {
		*out = def;
		return true;
	}
	if (!ctl_as_int(v, min, max, out)) {
		ctl_invalid_parameter(call, name);
		return false;
	}
	return true;
}

/* An unsigned number: a JSON integer >= 0, or a string ("0x7f00...",
 * decimal, or octal as strtoull reads it with base 0). */
bool ctl_as_ulong(json_object *v, unsigned long *out)
{
	if (!v)
		return false;
	if (json_object_is_type(v, json_type_int)) {
		int64_t n;

		if (!ctl_as_int(v, 0, INT64_MAX, &n))
			return false;
		*out = (unsigned long)n;
		return true;
	}
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		unsigned long long n;
		char *end;

		/* strtoull would skip leading blanks and take a sign. */
		if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
			return false;
		errno = 0;
		n = strtoull(s, &end, 0);
		if (errno || *end || n > ULONG_MAX)
			return false;
		*out = (unsigned long)n;
		return true;
	}
	return false;
}

/* A missing boolean is false. */
bool ctl_get_bool(struct control_call *call, json_object *params, const char *name,
		     bool *out)
{
	json_object *v = ctl_param(params, name);

	*out = false;
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		ctl_invalid_parameter(call, name);
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

/* An array of integers in [MIN, MAX], at most MAXN long, into a new
 * array. Missing: *N 0. */
bool ctl_get_int_array(struct control_call *call, json_object *params, const char *name,
			  int64_t min, int64_t max, size_t maxn, int **out, size_t *n)
{
	json_object *v = ctl_param(params, name);
	size_t len;

	*out = NULL;
	*n = 0;
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_array) ||
	    (len = json_object_array_length(v)) > maxn) {
		ctl_invalid_parameter(call, name);
		return false;
	}
	*out = calloc(len ? len : 1, sizeof(**out));
	if (!*out) {
		control_call_errorf(call, CONTROL_E_INTERNAL, "out of memory");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		int64_t x;

		if (!ctl_as_int(json_object_array_get_idx(v, i), min, max, &x)) {
			free(*out);
			*out = NULL;
			ctl_invalid_parameter(call, name);
			return false;
		}
		(*out)[i] = (int)x;
	}
	*n = len;
	return true;
}


void ctl_who(const struct control_call *call, char *buf, size_t size)
{
	const struct control_peer *p = control_call_peer(call);

	snprintf(buf, size, "numamigctl (uid %u, pid %d)", (unsigned)p->uid, (int)p->pid);
}

void ctl_no_such_process(struct control_call *call, pid_t pid)
{
	bool exists = kill(pid, 0) == 0 || errno == EPERM;
	json_object *p = json_object_new_object();
	char msg[128];

	snprintf(msg, sizeof(msg), exists ? "process %d is not tracked by any policy" :
		 "no process %d", (int)pid);
	json_object_object_add(p, "pid", json_object_new_int((int)pid));
	json_object_object_add(p, "exists", json_object_new_boolean(exists));
	if (!exists)
		json_object_object_add(p, "errno", json_object_new_string("ESRCH"));
	json_object_object_add(p, "message", json_object_new_string(msg));
	control_call_error(call, CTL_E_NO_SUCH_PROCESS, p);
}
