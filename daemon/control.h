/* control: the daemon's control socket server, in the Varlink wire format.
 *
 * A UNIX stream socket; each message is one JSON object terminated by a
 * NUL byte. A request is {"method":"io.numamigd.X","parameters":{...}}
 * (optionally "oneway":true: no reply; "more":true: a long call may send
 * replies with "continues":true before its last), a reply
 * {"parameters":{...}} or {"error":"io.numamigd.Y","parameters":{...}}.
 * Requests on a connection are answered one at a time, in order.
 *
 * The server knows nothing about numamigd itself: the caller hands it a
 * table of methods (ctl-methods.c), each marked read-only or mutating.
 * Every call is checked against the peer's SO_PEERCRED (and
 * SO_PEERGROUPS): read-only methods for uid 0 and members of the socket's
 * group, mutating methods for uid 0 only.
 *
 * Robustness against clients, since the daemon is single-threaded: all
 * sockets are non-blocking on the sd-event loop; a request frame larger
 * than CONTROL_FRAME_MAX gets an error and the connection is closed; each
 * connection has a deadline per request (reading it and writing its
 * reply), after which it is dropped; at most CONTROL_MAX_CONNS are open at
 * once, and while that many are, no new connection is accepted (the
 * kernel's backlog holds them, and the deadline frees slots).
 *
 * Fairness, since the socket's group may hold members nobody fully
 * trusts: CONTROL_ROOT_SLOTS of the slots are root's alone, and no other
 * uid holds more than CONTROL_MAX_PER_UID; a connection beyond that gets a
 * TooManyConnections error and is closed at once, so no member can lock
 * root out. A mutating call whose client has hung up is not run (it
 * reported failure to its caller already). Refusals are logged at most
 * CONTROL_LOG_BURST per CONTROL_LOG_WINDOW_US, then summed.
 */
#ifndef NUMAMIGD_CONTROL_H
#define NUMAMIGD_CONTROL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#define CONTROL_FRAME_MAX (64 * 1024)      /* request bytes, NUL included */
#define CONTROL_MAX_CONNS 64
#define CONTROL_ROOT_SLOTS 8                /* of CONTROL_MAX_CONNS */
#define CONTROL_MAX_PER_UID 16              /* for any uid but root */
#define CONTROL_LOG_BURST 10
#define CONTROL_LOG_WINDOW_US (10 * 1000000ULL)
#define CONTROL_DEADLINE_US (5 * 1000000ULL)
#define CONTROL_NOTIFY_BACKLOG (64 * 1024)  /* unsent bytes past which
                                               control_call_notify skips */

/* Standard Varlink errors, and ours. */
#define CONTROL_E_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define CONTROL_E_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define CONTROL_E_PERMISSION_DENIED "io.numamigd.PermissionDenied"
#define CONTROL_E_INVALID_REQUEST "io.numamigd.InvalidRequest"
#define CONTROL_E_FRAME_TOO_LARGE "io.numamigd.FrameTooLarge"
#define CONTROL_E_INTERNAL "io.numamigd.InternalError"
#define CONTROL_E_TOO_MANY "io.numamigd.TooManyConnections"

/* Who is on the other end, from SO_PEERCRED and SO_PEERGROUPS. */
#define CONTROL_PEER_MAX_GROUPS 64
struct control_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	size_t n_groups;               /* supplementary groups (may be cut short) */
	gid_t groups[CONTROL_PEER_MAX_GROUPS];
};

/* Whether PEER may call a method on a socket owned by group SOCK_GID:
 * 0, or -EPERM. Pure. */
int control_peer_check(const struct control_peer *peer, gid_t sock_gid, bool mutating);

/* Whether a new connection from UID may take a slot while TOTAL are open,
 * SAME of them from UID and ROOT of them from root: 0, -EUSERS (UID holds
 * its share) or -EAGAIN (the free slots are root's, or there are none).
 * Pure. */
int control_admit(uid_t uid, unsigned total, unsigned same, unsigned root);

struct control_call;

/* A handler answers through CALL, with control_call_reply() or
 * control_call_error(), before it returns, or calls control_call_defer()
 * and answers later from the event loop (a long job). PARAMS is the
 * request's "parameters" object (never NULL), borrowed until the handler
 * returns: a deferring handler takes a reference (json_object_get()). */
typedef void (*control_method_fn)(struct control_call *call, json_object *params,
				  void *userdata);

struct control_method {
	const char *name;              /* "io.numamigd.GetStatus" */
	bool mutating;                 /* uid 0 only */
	control_method_fn fn;
};

/* Answer CALL; both take ownership of PARAMS (NULL: {}). CALL is freed. */
void control_call_reply(struct control_call *call, json_object *params);
void control_call_error(struct control_call *call, const char *error, json_object *params);
/* An error whose parameters are {"message": printf(FMT, ...)}. */
void control_call_errorf(struct control_call *call, const char *error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keep CALL open after the handler returns. The connection's deadline is
 * suspended until the answer; a call whose client went away meanwhile is
 * answered into the void. Every deferred call must be answered. */
void control_call_defer(struct control_call *call);
/* Varlink's "more": whether the client of deferred CALL asked for
 * replies that continue ("more":true) and is still there; if so,
 * control_call_notify() sends one ({"parameters": PARAMS, "continues":
 * true}, PARAMS taken) and CALL stays open for the last, plain reply.
 * Without "more" (or once the client has gone) it only frees PARAMS. */
bool control_call_more(const struct control_call *call);
void control_call_notify(struct control_call *call, json_object *params);
const struct control_peer *control_call_peer(const struct control_call *call);
const char *control_call_method(const struct control_call *call);

struct control;

/* A server on EVENT dispatching to METHODS (N entries, kept by reference)
 * with USERDATA, not listening yet. */
int control_new(sd_event *event, const struct control_method *methods, size_t n,
		void *userdata, struct control **out);

/* Listen on PATH: create its directory (0755) if missing, refuse one that
 * is not owned by root (or us) or that group or others may write to
 * (-EPERM, *WHY says so), replace a stale socket (but -EADDRINUSE if
 * something answers there, without waiting on it), and create the socket
 * with mode 0660 (born so) and group "numamig" if that group exists, else
 * the daemon's group (set through the directory's fd, never following a
 * link). Returns 0 or -errno (*WHY NULL). */
int control_listen(struct control *c, const char *path, const char **why);

/* Serve an already connected socket FD (taken over, made non-blocking),
 * e.g. one end of a socketpair in tests. Returns 0, -EUSERS when its peer
 * may not have a slot (it got an error and FD is closed), or -errno. */
int control_adopt(struct control *c, int fd);

/* The group read-only callers must be in (tests set it). */
gid_t control_group(const struct control *c);
void control_set_group(struct control *c, gid_t gid);
/* Per-request deadline (tests shorten it). */
void control_set_deadline(struct control *c, uint64_t usec);
unsigned control_connections(const struct control *c);

/* Close every connection, stop listening and remove the socket file. */
void control_free(struct control *c);

#endif
