/* test-control: the control socket server (daemon/control*.c) over a
 * socketpair on a private sd-event loop: framing (split, pipelined,
 * oversized, garbage), dispatch and the Varlink errors, peer checks,
 * deadlines, oneway and deferred calls; and control_listen() on a real
 * socket path (mode, stale socket, in use). */
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

static void fx_open(struct fx *f)
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

static void fx_close(struct fx *f)
{
	if (f->fd >= 0)
		close(f->fd);
	control_free(f->c);
	sd_event_unref(f->ev);
}

static void send_str(struct fx *f, const char *s, size_t len)
{
	ck_assert_int_eq(write(f->fd, s, len), (ssize_t)len);
}

/* Run the loop until N frames arrived (or EOF, or 2 s); returns what came,
 * frames joined with '|' (NUL replaced), and sets *EOF_SEEN. */
static char *pump(struct fx *f, int n, bool *eof_seen)
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

START_TEST(echo_and_pipeline)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	/* Two requests in one write, the second split across two writes. */
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"parameters\":{\"path\":\"/a/b\",\"n\":1}}")
		 "{\"method\":\"t.Ec");
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{\"path\":\"/a/b\",\"n\":1}}|");
	SEND(&f, REQ("ho\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");
	ck_assert(!eof);
	ck_assert_uint_eq(control_connections(f.c), 1);
	fx_close(&f);
}
END_TEST

START_TEST(varlink_errors)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Nope\"}") REQ("{\"method\":\"t.Echo\",\"parameters\":[1]}")
		 REQ("{\"parameters\":{}}"));
	ck_assert_str_eq(pump(&f, 3, &eof),
			 "{\"error\":\"org.varlink.service.MethodNotFound\",\"parameters\":{\"method\":\"t.Nope\"}}|"
			 "{\"error\":\"org.varlink.service.InvalidParameter\",\"parameters\":{\"parameter\":\"parameters\"}}|"
			 "{\"error\":\"io.numamigd.InvalidRequest\",\"parameters\":{\"message\":\"no \\\"method\\\" string\"}}|");
	pump(&f, 1, &eof);
	ck_assert(eof); /* a request without a method ends the connection */
	fx_close(&f);
}
END_TEST

START_TEST(garbage_closes)
{
	static const char *const bad[] = { "not json", "[1,2]", "{\"method\":\"t.Echo\"} x", "" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fx f;
		bool eof;
		char *out;

		fx_open(&f);
		send_str(&f, bad[i], strlen(bad[i]) + 1);
		out = pump(&f, 1, &eof);
		ck_assert_msg(strstr(out, "io.numamigd.InvalidRequest"), "%s: %s", bad[i], out);
		pump(&f, 1, &eof);
		ck_assert(eof);
		ck_assert_uint_eq(control_connections(f.c), 0);
		fx_close(&f);
	}
}
END_TEST

START_TEST(frame_too_large)
{
	struct fx f;
	char *big = malloc(CONTROL_FRAME_MAX);
	size_t off = 0;
	bool eof = false;
	char *out = "";

	fx_open(&f);
	memset(big, ' ', CONTROL_FRAME_MAX);
	big[0] = '{';
	/* The socket buffer may be smaller than a frame: feed it as it drains. */
	for (int i = 0; i < 400 && !strstr(out, "FrameTooLarge"); i++) {
		if (off < CONTROL_FRAME_MAX) {
			ssize_t r = write(f.fd, big + off, CONTROL_FRAME_MAX - off);

			if (r > 0)
				off += (size_t)r;
		}
		out = pump(&f, 0, &eof);
		sd_event_run(f.ev, 10000);
		out = pump(&f, 1, &eof);
	}
	ck_assert_str_eq(out, "{\"error\":\"io.numamigd.FrameTooLarge\",\"parameters\":{\"max\":65536}}|");
	pump(&f, 1, &eof);
	ck_assert(eof);
	free(big);
	fx_close(&f);
}
END_TEST

START_TEST(mutating_needs_root)
{
	struct fx f;
	bool eof;
	char *out;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Poke\"}"));
	out = pump(&f, 1, &eof);
	if (geteuid() == 0) {
		ck_assert_str_eq(out, "{\"parameters\":{}}|");
		ck_assert_int_eq(f.pokes, 1);
	} else {
		ck_assert_ptr_nonnull(strstr(out, "io.numamigd.PermissionDenied"));
		ck_assert_int_eq(f.pokes, 0);
	}
	/* Read methods need the socket's group when not root. */
	control_set_group(f.c, 4242);
	SEND(&f, REQ("{\"method\":\"t.Echo\"}"));
	out = pump(&f, 1, &eof);
	if (geteuid() != 0)
		ck_assert_ptr_nonnull(strstr(out, "io.numamigd.PermissionDenied"));
	fx_close(&f);
}
END_TEST

START_TEST(peer_check)
{
	struct control_peer root = { .uid = 0, .gid = 0 };
	struct control_peer member = { .uid = 1000, .gid = 1000, .n_groups = 2, .groups = { 5, 77 } };
	struct control_peer primary = { .uid = 1000, .gid = 77 };
	struct control_peer other = { .uid = 1000, .gid = 1000, .n_groups = 1, .groups = { 5 } };

	ck_assert_int_eq(control_peer_check(&root, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&root, 77, true), 0);
	ck_assert_int_eq(control_peer_check(&member, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&member, 77, true), -EPERM);
	ck_assert_int_eq(control_peer_check(&primary, 77, false), 0);
	ck_assert_int_eq(control_peer_check(&primary, 77, true), -EPERM);
	ck_assert_int_eq(control_peer_check(&other, 77, false), -EPERM);
	ck_assert_int_eq(control_peer_check(&other, 77, true), -EPERM);
}
END_TEST

START_TEST(deadline_drops_slow_client)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	control_free(f.c);
	close(f.fd);
	/* A fresh server with a short deadline. */
	{
		int sv[2];

		ck_assert_int_eq(control_new(f.ev, methods, 4, &f.pokes, &f.c), 0);
		control_set_deadline(f.c, 100000);
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
		ck_assert_int_eq(control_adopt(f.c, sv[0]), 0);
		f.fd = sv[1];
		fcntl(f.fd, F_SETFL, O_NONBLOCK);
	}
	SEND(&f, "{\"method\":");  /* and never the rest */
	ck_assert_str_eq(pump(&f, 1, &eof), "");
	ck_assert(eof);
	ck_assert_uint_eq(control_connections(f.c), 0);
	fx_close(&f);
}
END_TEST

START_TEST(oneway_and_silent)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"oneway\":true}") REQ("{\"method\":\"t.Silent\"}"));
	/* No reply to the first; a handler that forgets to answer gets one. */
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InternalError\","
			 "\"parameters\":{\"message\":\"t.Silent did not answer\"}}|");
	fx_close(&f);
}
END_TEST

START_TEST(deferred)
{
	struct fx f;
	json_object *p = json_object_new_object();
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Defer\"}") REQ("{\"method\":\"t.Echo\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "");    /* nothing yet, not even the echo */
	ck_assert_ptr_nonnull(saved_call);
	ck_assert_str_eq(control_call_method(saved_call), "t.Defer");
	json_object_object_add(p, "done", json_object_new_boolean(true));
	control_call_reply(saved_call, p);
	ck_assert_str_eq(pump(&f, 2, &eof), "{\"parameters\":{\"done\":true}}|{\"parameters\":{}}|");

	/* The client leaves before the answer: it goes nowhere, nothing leaks. */
	SEND(&f, REQ("{\"method\":\"t.Defer\"}"));
	pump(&f, 1, &eof);
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert_uint_eq(control_connections(f.c), 0);
	control_call_errorf(saved_call, "t.Late", "%d", 1);
	fx_close(&f);
}
END_TEST

/* Varlink's "more": a deferred call sends replies that continue, then its
 * last; without "more" only the last is sent; a client that has gone gets
 * none and nothing breaks. */
START_TEST(more_replies)
{
	struct fx f;
	bool eof;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Defer\",\"more\":true}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "");
	ck_assert(control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_notify(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 2, &eof), "{\"parameters\":{},\"continues\":true}|"
			 "{\"parameters\":{},\"continues\":true}|");
	control_call_reply(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");

	/* No "more": notifications go nowhere. */
	SEND(&f, REQ("{\"method\":\"t.Defer\"}"));
	pump(&f, 1, &eof);
	ck_assert(!control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_reply(saved_call, NULL);
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"parameters\":{}}|");

	/* "more" must be a boolean. */
	SEND(&f, REQ("{\"method\":\"t.Echo\",\"more\":\"no\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InvalidRequest\","
			 "\"parameters\":{\"message\":\"\\\"more\\\" must be true or false\"}}|");

	/* The client goes: its call takes no more, and still ends. */
	SEND(&f, REQ("{\"method\":\"t.Defer\",\"more\":true}"));
	pump(&f, 1, &eof);
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert(!control_call_more(saved_call));
	control_call_notify(saved_call, json_object_new_object());
	control_call_reply(saved_call, NULL);
	fx_close(&f);
}
END_TEST

START_TEST(listen_path)
{
	char dir[] = "/tmp/test-control.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c, *c2;
	const char *why;
	sd_event *ev;
	struct stat st;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/dir/io.numamigd", dir);
	ck_assert_int_eq(sd_event_new(&ev), 0);
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0660);
	ck_assert_int_eq(st.st_gid, control_group(c));
	/* A second server finds the first one answering. */
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c2), 0);
	ck_assert_int_eq(control_listen(c2, path, &why), -EADDRINUSE);
	control_free(c2);
	/* A client gets served through accept. */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, "{\"method\":\"t.Echo\"}", 20), 20);
	for (int i = 0; i < 20 && control_connections(c) == 0; i++)
		sd_event_run(ev, 10000);
	ck_assert_uint_eq(control_connections(c), 1);
	close(fd);
	control_free(c); /* removes the socket */
	ck_assert_int_eq(access(path, F_OK), -1);
	/* A stale socket (nobody listening) is replaced. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), 0);
	control_free(c);
	/* Something that is not a socket is never removed. */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), -EEXIST);
	control_free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub/dir", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
	sd_event_unref(ev);
}
END_TEST

static bool ulong_of(const char *text, unsigned long *v)
{
	json_object *o = json_object_new_string(text);
	bool ok = ctl_as_ulong(o, v);

	json_object_put(o);
	return ok;
}

/* Request fields are what they must be, and what is echoed is escaped. */
START_TEST(strict_requests)
{
	struct fx f;
	bool eof;
	unsigned long v;

	fx_open(&f);
	/* json-c would call the string "no" true. */
	SEND(&f, REQ("{\"method\":\"t.Poke\",\"oneway\":\"no\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"io.numamigd.InvalidRequest\","
			 "\"parameters\":{\"message\":\"\\\"oneway\\\" must be true or false\"}}|");
	ck_assert_int_eq(f.pokes, 0);
	SEND(&f, REQ("{\"method\":\"t.\xff\x1b[2J\"}"));
	ck_assert_str_eq(pump(&f, 1, &eof), "{\"error\":\"org.varlink.service.MethodNotFound\","
			 "\"parameters\":{\"method\":\"t.\\\\xff\\\\x1b[2J\"}}|");
	fx_close(&f);
	/* Numbers in strings: no blanks, no signs. */
	ck_assert(ulong_of("0x1000", &v) && v == 0x1000);
	ck_assert(!ulong_of("\t4096", &v));
	ck_assert(!ulong_of(" 4096", &v));
	ck_assert(!ulong_of("-1", &v));
}
END_TEST

START_TEST(admit)
{
	unsigned share = CONTROL_MAX_CONNS - CONTROL_ROOT_SLOTS;

	ck_assert_int_eq(control_admit(1000, 0, 0, 0), 0);
	ck_assert_int_eq(control_admit(1000, 20, CONTROL_MAX_PER_UID - 1, 0), 0);
	ck_assert_int_eq(control_admit(1000, 20, CONTROL_MAX_PER_UID, 0), -EUSERS);
	/* Other uids have filled their share: only root gets in. */
	ck_assert_int_eq(control_admit(1001, share, 0, 0), -EAGAIN);
	ck_assert_int_eq(control_admit(0, share, 0, 0), 0);
	ck_assert_int_eq(control_admit(0, CONTROL_MAX_CONNS - 1, 3, 3), 0);
	ck_assert_int_eq(control_admit(0, CONTROL_MAX_CONNS, 8, 8), -EAGAIN);
	/* Root's own connections do not use up the others' share. */
	ck_assert_int_eq(control_admit(1001, share, 0, 1), 0);
}
END_TEST

/* A mutating request whose client hung up before it ran is not run: the
 * client reported failure, and its retry would act twice. */
START_TEST(gone_client_mutates_nothing)
{
	struct fx f;

	fx_open(&f);
	SEND(&f, REQ("{\"method\":\"t.Poke\"}"));
	close(f.fd);
	f.fd = -1;
	for (int i = 0; i < 10; i++)
		sd_event_run(f.ev, 10000);
	ck_assert_int_eq(f.pokes, 0);
	ck_assert_uint_eq(control_connections(f.c), 0);
	fx_close(&f);
}
END_TEST

/* Connect to PATH N times as UID, keep the connections until told to exit
 * by a byte on FD; report how many connected on REPORT. */
static void hog(const char *path, uid_t uid, int n, int go, int report)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char b;

	strcpy(sa.sun_path, path);
	if (setgid(uid) < 0 || setuid(uid) < 0)
		_exit(2);
	for (int i = 0; i < n; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(3);
	}
	b = 1;
	if (write(report, &b, 1) != 1 || read(go, &b, 1) < 0)
		_exit(4);
	_exit(0);
}

/* One member of the socket's group cannot take every slot: it gets at
 * most CONTROL_MAX_PER_UID, and root is still served. Needs root (to be
 * another uid). */
START_TEST(no_lockout)
{
	char dir[] = "/tmp/test-control.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int go[2], report[2], fd, pokes = 0;
	struct control *c;
	const char *why;
	sd_event *ev;
	pid_t pid;
	char b, out[256];

	if (geteuid() != 0)
		return;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/io.numamigd", dir);
	ck_assert_int_eq(sd_event_new(&ev), 0);
	ck_assert_int_eq(control_new(ev, methods, 4, &pokes, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), 0);
	ck_assert_int_eq(chmod(path, 0666), 0); /* the hog is not in the group */
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(report), 0);
	pid = fork();
	if (pid == 0)
		hog(path, 65534, CONTROL_MAX_PER_UID + 8, go[0], report[1]);
	fcntl(report[0], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 500 && read(report[0], &b, 1) != 1; i++)
		sd_event_run(ev, 10000);
	for (int i = 0; i < 50; i++)
		sd_event_run(ev, 10000);
	ck_assert_uint_eq(control_connections(c), CONTROL_MAX_PER_UID);
	/* Root is served. */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(write(fd, REQ("{\"method\":\"t.Echo\"}"), 20), 20);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	memset(out, 0, sizeof(out));
	for (int i = 0; i < 200 && read(fd, out, sizeof(out) - 1) <= 0; i++)
		sd_event_run(ev, 10000);
	ck_assert_str_eq(out, "{\"parameters\":{}}");
	close(fd);
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	waitpid(pid, NULL, 0);
	control_free(c);
	sd_event_unref(ev);
	rmdir(dir);
}
END_TEST

/* The socket is only made in a directory nobody else can change, and a
 * stale-socket probe never waits on a listener that does not accept. */
START_TEST(listen_guards)
{
	char dir[] = "/tmp/test-control.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	const char *why;
	sd_event *ev;
	int lfd, n = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/io.numamigd", dir);
	ck_assert_int_eq(sd_event_new(&ev), 0);
	ck_assert_int_eq(chmod(dir, 0777), 0);
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), -EPERM);
	ck_assert_str_eq(why, "the socket's directory is writable by group or others");
	control_free(c);
	ck_assert_int_eq(chmod(dir, 01777), 0); /* sticky does not make it ours */
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), -EPERM);
	control_free(c);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	/* Something listens there with its backlog full, never accepting. */
	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 0), 0);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			break;
		ck_assert_int_lt(++n, 1000);
	}
	ck_assert_int_eq(control_new(ev, methods, 4, NULL, &c), 0);
	ck_assert_int_eq(control_listen(c, path, &why), -EADDRINUSE);
	control_free(c);
	close(lfd);
	unlink(path);
	rmdir(dir);
	sd_event_unref(ev);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("control");

	tcase_add_test(tc, echo_and_pipeline);
	tcase_add_test(tc, varlink_errors);
	tcase_add_test(tc, garbage_closes);
	tcase_add_test(tc, frame_too_large);
	tcase_add_test(tc, mutating_needs_root);
	tcase_add_test(tc, peer_check);
	tcase_add_test(tc, deadline_drops_slow_client);
	tcase_add_test(tc, oneway_and_silent);
	tcase_add_test(tc, deferred);
	tcase_add_test(tc, more_replies);
	tcase_add_test(tc, listen_path);
	tcase_add_test(tc, admit);
	tcase_add_test(tc, strict_requests);
	tcase_add_test(tc, gone_client_mutates_nothing);
	tcase_add_test(tc, no_lockout);
	tcase_add_test(tc, listen_guards);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
