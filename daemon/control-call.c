/* control-call: one request on a control connection: parse the frame,
 * find the method, check the peer, run the handler, frame its answer.
 * See control.h for the protocol. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-internal.h"
#include "log.h"
#include "numamig/text.h"

/* Plain and with "/" unescaped: cgroup paths stay readable, and the
 * client's --json output is byte for byte what was sent. */
#define CONTROL_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

int control_peer_check(const struct control_peer *peer, gid_t sock_gid, bool mutating)
{
	if (peer->uid == 0)
		return 0;
	if (mutating)
		return -EPERM;
	if (peer->gid == sock_gid)
		return 0;
	for (size_t i = 0; i < peer->n_groups && i < CONTROL_PEER_MAX_GROUPS; i++)
		if (peer->groups[i] == sock_gid)
			return 0;
	return -EPERM;
}

/* Queue MSG as a frame; a connection we cannot answer is closed. */
static void send_message(struct control_conn *k, json_object *msg)
{
	size_t len;
	const char *s = json_object_to_json_string_length(msg, CONTROL_JSON_FLAGS, &len);

	/* json-c's string is NUL-terminated: that NUL ends the frame. */
	if (!s || conn_queue(k, s, len + 1) < 0) {
		log_warn("control: cannot queue a reply for pid %d", (int)k->peer.pid);
		k->closing = true;
	}
}

/* {"error": ERROR (if not NULL), "parameters": PARAMS}, PARAMS taken. */
static void send_reply(struct control_conn *k, const char *error, json_object *params)
{
	json_object *msg = json_object_new_object();

	if (!msg) {
		json_object_put(params);
		k->closing = true;
		return;
	}
	if (error)
		json_object_object_add(msg, "error", json_object_new_string(error));
	json_object_object_add(msg, "parameters", params ? params : json_object_new_object());
	send_message(k, msg);
	json_object_put(msg);
}

static void send_error_message(struct control_conn *k, const char *error, const char *msg)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "message", json_object_new_string(msg));
	send_reply(k, error, p);
}

static void call_finish(struct control_call *call, const char *error, json_object *params)
{
	struct control_conn *k = call->conn;

	if (k && !call->oneway)
		send_reply(k, error, params);
	else
		json_object_put(params);
	if (k) {
		k->call = NULL;
		if (call->deferred)
			conn_after_call(k);
	}
	free(call);
}

void control_call_reply(struct control_call *call, json_object *params)
{
	call_finish(call, NULL, params);
}

void control_call_error(struct control_call *call, const char *error, json_object *params)
{
	call_finish(call, error, params);
}

void control_call_errorf(struct control_call *call, const char *error, const char *fmt, ...)
{
	json_object *p = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(p, "message", json_object_new_string(msg));
	call_finish(call, error, p);
}

void control_call_defer(struct control_call *call)
{
	call->deferred = true;
}

bool control_call_more(const struct control_call *call)
{
	return call->more && call->conn;
}

void control_call_notify(struct control_call *call, json_object *params)
{
	json_object *msg;

	/* A client that does not read its progress misses some rather than
	 * have us buffer without bound: the next one says as much. */
	if (!control_call_more(call) ||
	    call->conn->out_len - call->conn->out_off > CONTROL_NOTIFY_BACKLOG ||
	    !(msg = json_object_new_object())) {
		json_object_put(params);
		return;
	}
	json_object_object_add(msg, "parameters", params ? params : json_object_new_object());
	json_object_object_add(msg, "continues", json_object_new_boolean(true));
	send_message(call->conn, msg);
	json_object_put(msg);
	conn_flush(call->conn);
}

const struct control_peer *control_call_peer(const struct control_call *call)
{
	return &call->peer;
}

const char *control_call_method(const struct control_call *call)
{
	return call->method->name;
}

/* The request object of FRAME, or NULL (then *WHY says what is wrong). */
static json_object *parse_frame(const char *frame, size_t len, const char **why)
{
	json_tokener *tok = json_tokener_new();
	json_object *obj = NULL;

	if (!tok) {
		*why = "out of memory";
		return NULL;
	}
	if (len > 0)
		obj = json_tokener_parse_ex(tok, frame, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success) {
		*why = "not valid JSON";
		json_object_put(obj);
		obj = NULL;
	} else if (json_tokener_get_parse_end(tok) != len) {
		*why = "trailing bytes after the JSON object";
		json_object_put(obj);
		obj = NULL;
	} else if (!json_object_is_type(obj, json_type_object)) {
		*why = "not a JSON object";
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static const struct control_method *find_method(const struct control *c, const char *name)
{
	for (size_t i = 0; i < c->n_methods; i++)
		if (strcmp(c->methods[i].name, name) == 0)
			return &c->methods[i];
	return NULL;
}

/* Run M for the request; the handler answers (now, or later if it defers). */
static void run_method(struct control_conn *k, const struct control_method *m,
		       json_object *params, bool oneway, bool more)
{
	struct control_call *call = calloc(1, sizeof(*call));

	if (!call) {
		send_error_message(k, CONTROL_E_INTERNAL, "out of memory");
		return;
	}
	call->conn = k;
	call->method = m;
	call->peer = k->peer;
	call->oneway = oneway;
	call->more = more && !oneway;
	k->call = call;
	m->fn(call, params, k->ctl->userdata);
	if (k->call != call)
		return; /* answered */
	if (call->deferred) {
		conn_arm_deadline(k, false);
		return;
	}
	log_err("control: %s returned without an answer", m->name);
	control_call_errorf(call, CONTROL_E_INTERNAL, "%s did not answer", m->name);
}

/* The request's boolean flag NAME ("oneway", "more") into *ON; false
 * (answered) when it is not a boolean: json-c calls any non-empty string
 * true, so "no" would mean yes. */
static bool request_flag(struct control_conn *k, json_object *req, const char *name, bool *on)
{
	json_object *v = NULL;
	char msg[64];

	*on = false;
	if (!json_object_object_get_ex(req, name, &v) || !v)
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(msg, sizeof(msg), "\"%s\" must be true or false", name);
		send_error_message(k, CONTROL_E_INVALID_REQUEST, msg);
		return false;
	}
	*on = json_object_get_boolean(v);
	return true;
}

static void dispatch_request(struct control_conn *k, json_object *req)
{
	json_object *method = NULL, *params = NULL;
	const struct control_method *m;
	const char *name;
	bool ow, more;

	if (!request_flag(k, req, "oneway", &ow) || !request_flag(k, req, "more", &more))
		return;
	if (!json_object_object_get_ex(req, "method", &method) ||
	    !json_object_is_type(method, json_type_string)) {
		send_error_message(k, CONTROL_E_INVALID_REQUEST, "no \"method\" string");
		k->closing = true;
		return;
	}
	name = json_object_get_string(method);
	if (json_object_object_get_ex(req, "parameters", &params) && params &&
	    !json_object_is_type(params, json_type_object)) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "parameter", json_object_new_string("parameters"));
		send_reply(k, CONTROL_E_INVALID_PARAMETER, p);
		return;
	}
	m = find_method(k->ctl, name);
	if (!m) {
		json_object *p = json_object_new_object();
		size_t size = strlen(name) * NM_ESCAPE_GROWTH + 1;
		char *safe = malloc(size);

		/* The client's bytes: not valid UTF-8 or JSON once echoed raw. */
		json_object_object_add(p, "method", safe ?
				       json_object_new_string(nm_escape(name, safe, size)) : NULL);
		free(safe);
		if (!ow)
			send_reply(k, CONTROL_E_METHOD_NOT_FOUND, p);
		else
			json_object_put(p);
		return;
	}
	if (control_peer_check(&k->peer, k->ctl->gid, m->mutating) < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "%s %s", m->name, m->mutating ?
			 "changes the daemon: only root may call it" :
			 "needs root or membership in the control socket's group");
		if (control_log_refusal(k->ctl))
			log_notice("control: %s refused to uid %u (pid %d)", m->name,
				   (unsigned)k->peer.uid, (int)k->peer.pid);
		if (!ow)
			send_error_message(k, CONTROL_E_PERMISSION_DENIED, msg);
		return;
	}
	/* A client that timed out has reported failure to its caller, who
	 * may try again: acting now would do it twice. */
	if (m->mutating && conn_peer_gone(k)) {
		log_notice("control: %s of uid %u (pid %d) not run: the client has gone",
			   m->name, (unsigned)k->peer.uid, (int)k->peer.pid);
		k->closing = true;
		return;
	}
	if (!params) {
		json_object *empty = json_object_new_object();

		run_method(k, m, empty, ow, more);
		json_object_put(empty);
		return;
	}
	run_method(k, m, params, ow, more);
}

void control_dispatch(struct control_conn *k, const char *frame, size_t len)
{
	const char *why = NULL;
	json_object *req = parse_frame(frame, len, &why);

	if (!req) {
		/* A client that sends garbage gets one answer and is dropped. */
		send_error_message(k, CONTROL_E_INVALID_REQUEST, why);
		k->closing = true;
		return;
	}
	dispatch_request(k, req);
	json_object_put(req);
}
