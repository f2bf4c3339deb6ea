/* control-fixture: a control server (daemon/control*.c) with four test
 * methods on a private sd-event loop, and a client end on a socketpair;
 * shared by tests/test-control.c (the protocol) and
 * tests/test-control-listen.c (the socket path and admission).
 * Header-only: each test program includes it once. */
#ifndef NM_TEST_CONTROL_FIXTURE_H
#define NM_TEST_CONTROL_FIXTURE_H

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "control.h"
#include "ctl-params.h"

static struct control_call *saved_call;

static void m_echo(struct control_call *call, json_object *params, void *userdata)
{
	(void)userdata;
	control_call_reply(call, json_object_get(params));
}

static void m_poke(struct control_call *call, json_object *params, void *userdata)
{
	(void)params;
	++*(int *)userdata;
	control_call_reply(call, NULL);
}

static void m_defer(struct control_call *call, json_object *params, void *userdata)
{
	(void)params;
	(void)userdata;
	saved_call = call;
	control_call_defer(call);
}

static void m_silent(struct control_call *call, json_object *params, void *userdata)
{
	(void)call;
	(void)params;
	(void)userdata;
}

static const struct control_method methods[] = {
	{ "t.Echo", false, m_echo },
	{ "t.Poke", true, m_poke },
	{ "t.Defer", false, m_defer },
	{ "t.Silent", false, m_silent },
};

struct fx {
	sd_event *ev;
	struct control *c;
	int fd;                        /* the client's end */
	int pokes;
};

static inline void fx_open(struct fx *f)
{
	int sv[2];

	memset(f, 0, sizeof(*f));
	saved_call = NULL;
	ck_assert_int_eq(sd_event_new(&f->ev), 0);
	ck_assert_int_eq(control_new(f->ev, methods, 4, &f->pokes, &f->c), 0);
	control_set_group(f->c, getegid());
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(control_adopt(f->c, sv[0]), 0);
	f->fd = sv[1];
	fcntl(f->fd, F_SETFL, O_NONBLOCK);
}

static inline void fx_close(struct fx *f)
{
	if (f->fd >= 0)
		close(f->fd);
	control_free(f->c);
	sd_event_unref(f->ev);
}

static inline void send_str(struct fx *f, const char *s, size_t len)
{
	ck_assert_int_eq(write(f->fd, s, len), (ssize_t)len);
}

/* Run the loop until N frames arrived (or EOF, or 2 s); returns what came,
 * frames joined with '|' (NUL replaced), and sets *EOF_SEEN. */
static inline char *pump(struct fx *f, int n, bool *eof_seen)
{
	static char buf[256 * 1024];
	size_t len = 0;
	int frames = 0;

	*eof_seen = false;
	for (int i = 0; i < 200 && frames < n && !*eof_seen; i++) {
		ssize_t r;

		sd_event_run(f->ev, 10000);
		while ((r = read(f->fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
			for (ssize_t k = 0; k < r; k++)
				if (buf[len + (size_t)k] == '\0') {
					buf[len + (size_t)k] = '|';
					frames++;
				}
			len += (size_t)r;
		}
		if (r == 0)
			*eof_seen = true;
	}
	buf[len] = '\0';
	return buf;
}

#define REQ(s) s "\0"
#define SEND(f, lit) send_str(f, lit, sizeof(lit) - 1)

#endif
