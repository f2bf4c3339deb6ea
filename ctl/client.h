/* client: numamigctl's side of the control socket: connect, send one
 * Varlink request (a NUL-terminated JSON object), read its reply. */
#ifndef NUMAMIGCTL_CLIENT_H
#define NUMAMIGCTL_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>

#define CLIENT_DEFAULT_SOCKET "/run/numamigd/io.numamigd"
#define CLIENT_REPLY_MAX (16 * 1024 * 1024)
#define CLIENT_TIMEOUT_MS 30000
#define CLIENT_CONNECT_MS 10000  /* waiting for a slot in a full backlog */

/* The JSON flags of the daemon: printing a parsed reply with them gives
 * back the bytes that were sent. */
#define CLIENT_JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* Connect to PATH. Returns the fd or -errno. */
int client_connect(const char *path);
/* Say on stderr why client_connect(PATH) failed with R. */
void client_connect_error(const char *path, int r);

/* Call METHOD with PARAMS (borrowed; NULL: {}) on FD and wait for the
 * reply. Returns 0 with *REPLY set (a JSON object with "parameters" and
 * maybe "error"), or -errno: -ETIMEDOUT, -EPROTO for a malformed reply,
 * -EMSGSIZE for one over CLIENT_REPLY_MAX, -ECONNRESET when the daemon
 * closed without answering. */
int client_call(int fd, const char *method, json_object *params, json_object **reply);

/* Called with each reply that continues (REPLY borrowed); false: stop
 * reading, and have client_call_more() return that reply. */
typedef bool (*client_more_fn)(json_object *reply, void *arg);

/* client_call() asking for replies that continue (Varlink's "more"): MORE
 * gets each of them, *REPLY the last. The timeout counts from the last
 * reply, so a long call that reports progress never times out. */
int client_call_more(int fd, const char *method, json_object *params, client_more_fn more,
		     void *arg, json_object **reply);

#endif
