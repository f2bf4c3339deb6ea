/* control: the control socket server. See control.h. This file holds the
 * listening socket and the connections (framing, deadlines, limits);
 * control-call.c parses requests, checks peers and dispatches. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control-internal.h"
#include "log.h"
#include "numamig/file.h"

#define CONTROL_GROUP_NAME "numamig"
#define CONTROL_BACKLOG 16

static void conn_update_events(struct control_conn *k);

int control_new(sd_event *event, const struct control_method *methods, size_t n,
		void *userdata, struct control **out)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->event = sd_event_ref(event);
	c->methods = methods;
	c->n_methods = n;
	c->userdata = userdata;
	c->fd = -1;
	c->gid = getgid();
	c->deadline_us = CONTROL_DEADLINE_US;
	*out = c;
	return 0;
}

gid_t control_group(const struct control *c)
{
	return c->gid;
}

void control_set_group(struct control *c, gid_t gid)
{
	c->gid = gid;
}

void control_set_deadline(struct control *c, uint64_t usec)
{
	c->deadline_us = usec;
}

unsigned control_connections(const struct control *c)
{
	return c->n_conns;
}

/* ---- connections -------------------------------------------------------- */

static void conn_free(struct control_conn *k)
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
		control_dispatch(k, k->in, len - 1);
		memmove(k->in, k->in + len, k->in_len - len);
		k->in_len -= len;
		if (!k->call)
			conn_arm_deadline(k, true);
	}
	if (!k->closing && !k->call && k->in_len == CONTROL_FRAME_MAX &&
	    !memchr(k->in, '\0', k->in_len)) {
		control_send_error(k, CONTROL_E_FRAME_TOO_LARGE, "max", CONTROL_FRAME_MAX);
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

static void read_peer(int fd, struct control_peer *peer)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(peer, 0, sizeof(*peer));
	peer->uid = (uid_t)-1;
	peer->gid = (gid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		peer->pid = cred.pid;
		peer->uid = cred.uid;
		peer->gid = cred.gid;
	}
	/* ERANGE when there are more than we hold: the first ones still count. */
	len = sizeof(peer->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, peer->groups, &len) == 0 ||
	    errno == ERANGE)
		peer->n_groups = len / sizeof(gid_t) > CONTROL_PEER_MAX_GROUPS ?
				 CONTROL_PEER_MAX_GROUPS : len / sizeof(gid_t);
}

int control_admit(uid_t uid, unsigned total, unsigned same, unsigned root)
{
	if (total >= CONTROL_MAX_CONNS)
		return -EAGAIN;
	if (uid == 0)
		return 0;
	if (total - root >= CONTROL_MAX_CONNS - CONTROL_ROOT_SLOTS)
		return -EAGAIN;
	return same >= CONTROL_MAX_PER_UID ? -EUSERS : 0;
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

/* Slots PEER may not take: reply why, close FD, and return -EUSERS. */
static int refuse(struct control *c, int fd, const struct control_peer *peer, int why)
{
	char frame[256];
	int n = snprintf(frame, sizeof(frame), "{\"error\":\"" CONTROL_E_TOO_MANY "\","
			 "\"parameters\":{\"message\":\"%s\"}}", why == -EUSERS ?
			 "this uid holds as many connections as it may" :
			 "the connections left are reserved for root");

	/* A fresh socket's buffer takes one small frame; if not, no matter. */
	send(fd, frame, (size_t)n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	if (control_log_refusal(c))
		log_notice("control: connection of uid %u (pid %d) refused: %s",
			   (unsigned)peer->uid, (int)peer->pid, why == -EUSERS ?
			   "too many from this uid" : "only root slots left");
	return -EUSERS;
}

static int admit(struct control *c, int fd, const struct control_peer *peer)
{
	unsigned same = 0, root = 0;
	int r;

	for (const struct control_conn *k = c->conns; k; k = k->next) {
		same += k->peer.uid == peer->uid;
		root += k->peer.uid == 0;
	}
	r = control_admit(peer->uid, c->n_conns, same, root);
	return r < 0 ? refuse(c, fd, peer, r) : 0;
}

int control_adopt(struct control *c, int fd)
{
	struct control_conn *k;
	struct control_peer peer;
	int r = -ENOMEM;

	read_peer(fd, &peer);
	if (admit(c, fd, &peer) < 0)
		return -EUSERS;
	k = calloc(1, sizeof(*k));

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
	k->peer = peer;
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

/* ---- listening ---------------------------------------------------------- */

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct control *c = userdata;
	int cfd, r;

	(void)revents;
	if (c->n_conns >= CONTROL_MAX_CONNS) {
		/* Full: stop accepting until a connection ends (conn_free). */
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return 0;
	}
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("control: accept: %s", strerror(errno));
		return 0;
	}
	r = control_adopt(c, cfd);
	if (r < 0 && r != -EUSERS)
		log_warn("control: cannot serve a connection: %s", strerror(-r));
	return 0;
}

/* Why the socket's directory DFD could let someone else replace or
 * redirect what we create there, or NULL. */
static const char *unsafe_dir(int dfd)
{
	struct stat st;

	if (fstat(dfd, &st) < 0)
		return "cannot stat the socket's directory";
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return "the socket's directory is not owned by root";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "the socket's directory is writable by group or others";
	return NULL;
}

/* An existing socket NAME in DFD: in use if something answers, else stale.
 * The probe does not block: a listener whose backlog is full (EAGAIN) is
 * in use too. */
static int clear_stale(int dfd, const char *name, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST; /* never remove what is not ours */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? errno : 0;
	close(fd);
	if (r == 0 || r == EAGAIN || r == EINPROGRESS)
		return -EADDRINUSE;
	return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

static gid_t socket_group(void)
{
	struct group *g = getgrnam(CONTROL_GROUP_NAME);

	return g ? g->gr_gid : getgid();
}

/* Bind with the socket born 0660 (umask: there is no moment anyone else
 * could connect), then give it its group through the directory fd DFD
 * without following links. Only root can change that directory
 * (unsafe_dir), so nobody can swap a link in between; and setting the
 * group through the fsgid instead would need CAP_SETGID, which the unit
 * does not grant. */
static int bind_socket(struct control *c, int dfd, const char *name,
		       const struct sockaddr_un *sa)
{
	mode_t old_mask;
	int r;

	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	old_mask = umask(0117);
	r = bind(c->fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ? -errno : 0;
	umask(old_mask);
	if (r < 0)
		return r;
	c->gid = socket_group();
	if (fchownat(dfd, name, (uid_t)-1, c->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	c->path = strdup(sa->sun_path);
	if (!c->path)
		return -ENOMEM;
	return listen(c->fd, CONTROL_BACKLOG) < 0 ? -errno : 0;
}

int control_listen(struct control *c, const char *path, const char **why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *base = strrchr(path, '/');
	char dir[sizeof(sa.sun_path)];
	int dfd, r;

	*why = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	if (!base || !base[1])
		return -EINVAL;
	strcpy(sa.sun_path, path);
	snprintf(dir, sizeof(dir), "%.*s", base == path ? 1 : (int)(base - path), path);
	r = nm_make_dirs(dir, 0755);
	if (r < 0)
		return r;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	if ((*why = unsafe_dir(dfd)))
		r = -EPERM;
	if (r == 0)
		r = clear_stale(dfd, base + 1, &sa);
	if (r == 0)
		r = bind_socket(c, dfd, base + 1, &sa);
	close(dfd);
	if (r == 0)
		r = sd_event_add_io(c->event, &c->listen, c->fd, EPOLLIN, on_accept, c);
	return r < 0 ? r : 0;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	/* Last answers (a job's "numamigd is stopping") go out if the
	 * socket takes them now; nobody waits for a slow client. */
	for (struct control_conn *k = c->conns; k; k = k->next)
		if (k->out_off < k->out_len)
			conn_write(k);
	while (c->conns)
		conn_free(c->conns);
	sd_event_source_disable_unref(c->listen);
	if (c->fd >= 0)
		close(c->fd);
	if (c->path)
		unlink(c->path);
	free(c->path);
	sd_event_unref(c->event);
	free(c);
}
