/* control: the control socket server. See control.h. This file holds the
 * listening socket, admission (per-uid limits, root's slots) and the
 * server's life; control-conn.c the connections (framing, deadlines),
 * control-call.c the requests (parsing, peer checks, dispatch). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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
	c->dispatch = control_dispatch;
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
	struct control_peer peer;

	read_peer(fd, &peer);
	if (admit(c, fd, &peer) < 0)
		return -EUSERS;
	return conn_new(c, fd, &peer);
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
		conn_flush(k);
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
