/* control-internal: what the control server's three layers share:
 * control.c (the socket, admission) on top of control-call.c (requests,
 * dispatch), both on control-conn.c (connections). Calls go down only:
 * a connection hands a frame up through control.dispatch. */
#ifndef NUMAMIGD_CONTROL_INTERNAL_H
#define NUMAMIGD_CONTROL_INTERNAL_H

#include "control.h"

struct control_conn;

struct control {
	sd_event *event;
	sd_event_source *listen;
	int fd;                         /* listening socket, -1 without */
	char *path;                     /* removed on free */
	gid_t gid;                      /* read-only callers' group */
	uint64_t deadline_us;
	const struct control_method *methods;
	size_t n_methods;
	void *userdata;
	/* Serve the request FRAME (LEN bytes, NUL excluded) on K. */
	void (*dispatch)(struct control_conn *k, const char *frame, size_t len);
	struct control_conn *conns;
	unsigned n_conns;
	uint64_t log_window_us;         /* refusal log rate limit */
	unsigned logged, suppressed;
};

struct control_call {
	struct control_conn *conn;      /* NULL once the client went away */
	const struct control_method *method;
	struct control_peer peer;
	bool oneway;                    /* the client wants no reply */
	bool more;                      /* it takes replies that continue */
	bool deferred;
};

struct control_conn {
	struct control *ctl;
	struct control_conn *prev, *next;
	int fd;
	sd_event_source *io, *timer;
	struct control_peer peer;
	char *in;                       /* [CONTROL_FRAME_MAX] */
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	struct control_call *call;      /* the request being served */
	bool eof;                       /* the client sends nothing more */
	bool closing;                   /* close once the output is written */
};

/* control-conn.c */
/* Serve FD for PEER (FD is closed on failure). 0 or -errno. */
int conn_new(struct control *c, int fd, const struct control_peer *peer);
void conn_free(struct control_conn *k);
/* Write what is queued, if the socket takes it now. */
void conn_flush(struct control_conn *k);
int conn_queue(struct control_conn *k, const char *data, size_t len);
void conn_arm_deadline(struct control_conn *k, bool on);
/* A deferred call was answered: serve what queued up meanwhile. May free K. */
void conn_after_call(struct control_conn *k);

/* Whether a refusal may be logged now (rate limit); says how many were
 * not when a new window starts. */
bool control_log_refusal(struct control *c);
/* True when the client of K has hung up entirely. */
bool conn_peer_gone(const struct control_conn *k);

/* control-call.c: serve the request FRAME (LEN bytes, NUL excluded). */
void control_dispatch(struct control_conn *k, const char *frame, size_t len);

#endif
