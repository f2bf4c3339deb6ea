/* test-control-listen: control_listen() on a real socket path (mode,
 * stale socket, in use, directory guards) and the admission of
 * connections (per-uid caps, slots kept for root, no lockout by one
 * group member). The protocol is in test-control.c. */
#include "control-fixture.h"

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
	Suite *s = suite_create("control-listen");
	TCase *tc = tcase_create("listen");

	tcase_add_test(tc, listen_path);
	tcase_add_test(tc, admit);
	tcase_add_test(tc, no_lockout);
	tcase_add_test(tc, listen_guards);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
