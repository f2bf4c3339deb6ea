/* control-conn: the control socket's connections: framing (NUL-ended
 * frames in, queued frames out), the per-request deadline, reading only
 * while no request is served, and the refusal log's rate limit. Requests
 * go to the server's dispatch function; this layer knows nothing of
 * methods or JSON. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control-internal.h"
#include "log.h"

static void conn_update_events(struct control_conn *k);

void conn_free(struct control_conn *k)
{
	struct control *c = k->ctl;

	if (k->call)
		k->call->conn = NULL; /* a deferred call outlives its client */
	sd_event_source_disable_unref(k->io);
	sd_event_source_disable_unref(k->timer);
	if (k->fd >= 0)
		close(k->fd);
	if (k->prev)
		k->prev->next = k->next;
	else
		c->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	c->n_conns--;
	free(k->in);
	free(k->out);
	free(k);
	/* A slot is free again. */
	if (c->listen)
		sd_event_source_set_enabled(c->listen, SD_EVENT_ON);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct control_conn *k = userdata;

	(void)s;
	(void)usec;
	log_debug("control: pid %d missed its deadline, dropping the connection", (int)k->peer.pid);
	conn_free(k);
	return 0;
}

/* A fresh deadline for the next request, or none while a deferred call
 * runs (the job's own duration is not the client's fault). */
void conn_arm_deadline(struct control_conn *k, bool on)
{
	if (!on) {
		sd_event_source_set_enabled(k->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time_relative(k->timer, k->ctl->deadline_us);
	sd_event_source_set_enabled(k->timer, SD_EVENT_ONESHOT);
}

/* Queue LEN bytes (a whole frame, NUL included) for the client. */
int conn_queue(struct control_conn *k, const char *data, size_t len)
{
	char *p;

	if (k->out_off > 0) { /* compact before growing */
		memmove(k->out, k->out + k->out_off, k->out_len - k->out_off);
		k->out_len -= k->out_off;
		k->out_off = 0;
	}
	p = realloc(k->out, k->out_len + len);
	if (!p)
		return -ENOMEM;
	memcpy(p + k->out_len, data, len);
	k->out = p;
	k->out_len += len;
	conn_update_events(k);
	return 0;
}

/* Writing while there is output; reading only while no request is being
 * served, so a pipelining client cannot make us buffer without bound. */
static void conn_update_events(struct control_conn *k)
{
	uint32_t ev = 0;

	if (k->out_off < k->out_len)
		ev |= EPOLLOUT;
	else if (!k->call && !k->closing && !k->eof)
		ev |= EPOLLIN;
	sd_event_source_set_io_events(k->io, ev);
}

/* Serve the complete frames in the input buffer, one at a time. */
static void conn_process(struct control_conn *k)
{
	char *nul;
	size_t len;

	while (!k->call && !k->closing && k->out_off == k->out_len &&
	       (nul = memchr(k->in, '\0', k->in_len))) {
		len = (size_t)(nul - k->in) + 1;
		k->ctl->dispatch(k, k->in, len - 1);
		memmove(k->in, k->in + len, k->in_len - len);
		k->in_len -= len;
		if (!k->call)
			conn_arm_deadline(k, true);
	}
	if (!k->closing && !k->call && k->in_len == CONTROL_FRAME_MAX &&
	    !memchr(k->in, '\0', k->in_len)) {
		char frame[128];
		int n = snprintf(frame, sizeof(frame), "{\"error\":\"%s\",\"parameters\":"
				 "{\"max\":%u}}", CONTROL_E_FRAME_TOO_LARGE, CONTROL_FRAME_MAX);

		conn_queue(k, frame, (size_t)n + 1);
		k->closing = true;
	}
	conn_update_events(k);
}

static int conn_read(struct control_conn *k)
{
	ssize_t r = recv(k->fd, k->in + k->in_len, CONTROL_FRAME_MAX - k->in_len, MSG_DONTWAIT);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (r == 0) {
		k->eof = true;
		return 0;
	}
	k->in_len += (size_t)r;
	return 0;
}

static int conn_write(struct control_conn *k)
{
	ssize_t r = send(k->fd, k->out + k->out_off, k->out_len - k->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	k->out_off += (size_t)r;
	return 0;
}

static bool conn_done(const struct control_conn *k)
{
	return k->out_off == k->out_len && !k->call && (k->closing || k->eof);
}

void conn_after_call(struct control_conn *k)
{
	conn_arm_deadline(k, true);
	conn_process(k);
	if (conn_done(k))
		conn_free(k);
}

static int on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control_conn *k = userdata;
	int r = 0;

	(void)s;
	(void)fd;
	if (revents & EPOLLOUT)
		r = conn_write(k);
	if (r == 0 && (revents & EPOLLIN))
		r = conn_read(k);
	/* Hung up with nothing left to read: the client is gone. epoll
	 * reports this even while we wait for nothing, so it must end here. */
	if (r == 0 && (revents & (EPOLLHUP | EPOLLERR)) && !(revents & EPOLLIN))
		r = -ECONNRESET;
	if (r < 0) {
		log_debug("control: connection of pid %d: %s", (int)k->peer.pid, strerror(-r));
		conn_free(k);
		return 0;
	}
	conn_process(k);
	/* Done: everything answered and written, and nothing more to come. */
	if (conn_done(k))
		conn_free(k);
	return 0;
}

bool control_log_refusal(struct control *c)
{
	uint64_t now = 0;

	sd_event_now(c->event, CLOCK_MONOTONIC, &now);
	if (now >= c->log_window_us + CONTROL_LOG_WINDOW_US) {
		if (c->suppressed)
			log_notice("control: %u more refusals in the last %llu s were not logged",
				   c->suppressed, CONTROL_LOG_WINDOW_US / 1000000);
		c->log_window_us = now;
		c->logged = c->suppressed = 0;
	}
	if (c->logged < CONTROL_LOG_BURST) {
		c->logged++;
		return true;
	}
	c->suppressed++;
	return false;
}

bool conn_peer_gone(const struct control_conn *k)
{
	struct pollfd p = { .fd = k->fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

int conn_new(struct control *c, int fd, const struct control_peer *peer)
{
	struct control_conn *k = calloc(1, sizeof(*k));
	int r;

	if (k)
		k->in = malloc(CONTROL_FRAME_MAX);
	if (!k || !k->in || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		r = k && k->in ? -errno : -ENOMEM;
		if (k)
			free(k->in);
		free(k);
		close(fd);
		return r;
	}
	k->ctl = c;
	k->fd = fd;
	k->peer = *peer;
	k->next = c->conns;
	if (c->conns)
		c->conns->prev = k;
	c->conns = k;
	c->n_conns++;
	r = sd_event_add_io(c->event, &k->io, fd, EPOLLIN, on_conn_io, k);
	if (r >= 0)
		r = sd_event_add_time_relative(c->event, &k->timer, CLOCK_MONOTONIC,
					       c->deadline_us, 0, on_deadline, k);
	if (r < 0) {
		conn_free(k);
		return r;
	}
	return 0;
}

void conn_flush(struct control_conn *k)
{
	if (k->out_off < k->out_len)
		conn_write(k);
}
