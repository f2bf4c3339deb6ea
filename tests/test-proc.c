/* Tests of lib/base/proc.c, the pid-reuse-safe process handle. These run on the
 * live kernel (pidfds need no NUMA) and on a fixture root. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fixture.h"
#include "numamig/proc.h"
#include "numamig/procparse.h"
#include "numamig/file.h"
#include "numamig/procfs.h"

static struct nm_root *live(void)
{
	struct nm_root *root;

	ck_assert_int_eq(nm_root_open("/", &root), 0);
	ck_assert(nm_root_is_live(root));
	return root;
}

/* False under valgrind before 3.20 and on kernels before 5.3, where the
 * handle falls back to its /proc/PID dirfd. */
static bool have_pidfd_open(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

START_TEST(test_self)
{
	struct nm_root *root = live();
	struct nm_proc *p;
	struct nm_stat st;
	char *buf;
	size_t len;

	ck_assert_int_eq(nm_proc_open(root, getpid(), &p), 0);
	ck_assert(p->pidfd >= 0 || !have_pidfd_open());
	ck_assert(nm_proc_alive(p));
	ck_assert_int_eq(nm_proc_read(p, "stat", 4096, &buf, &len), 0);
	ck_assert_int_eq(nm_stat_parse(buf, len, &st), 0);
	ck_assert_int_eq(st.pid, getpid());
	free(buf);
	/* A file bigger than the cap is an error, not a truncated read. */
	ck_assert_int_eq(nm_proc_read(p, "status", 16, &buf, &len), -EFBIG);
	/* A write goes through the handle (a soft-dirty clear of ourselves:
	 * harmless). */
	ck_assert_int_eq(nm_proc_write(p, "clear_refs", "4"), 0);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

START_TEST(test_missing_pid)
{
	struct nm_root *root = live();
	struct nm_proc *p = NULL;

	ck_assert_int_eq(nm_proc_open(root, 0, &p), -ESRCH);
	ck_assert_int_eq(nm_proc_open(root, -5, &p), -ESRCH);
	/* pid_max is at most 2^22, so this pid cannot exist. */
	ck_assert_int_eq(nm_proc_open(root, (1 << 22) + 1, &p), -ESRCH);
	ck_assert_ptr_null(p);
	nm_root_free(root);
}
END_TEST

START_TEST(test_zombie_is_gone)
{
	struct nm_root *root = live();
	struct nm_proc *p = NULL, *early;
	pid_t pid = spawn_sleeper();
	char *buf;

	ck_assert_int_eq(nm_proc_open(root, pid, &early), 0);
	kill(pid, SIGKILL);
	/* Wait until it is a zombie, without reaping it. */
	ck_assert_int_eq(waitid(P_PID, (id_t)pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT), 0);
	ck_assert(!nm_proc_alive(early));
	ck_assert_int_eq(nm_proc_read(early, "stat", 4096, &buf, NULL), -ESRCH);
	ck_assert_int_eq(nm_proc_open(root, pid, &p), -ESRCH);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	nm_proc_close(early);
	nm_root_free(root);
}
END_TEST

/* Make the kernel hand out PID again (root only, via ns_last_pid). */
static pid_t respawn_with_pid(pid_t pid)
{
	for (int tries = 0; tries < 50; tries++) {
		FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
		pid_t got;

		if (!f)
			return -1;
		fprintf(f, "%d", (int)pid - 1);
		fclose(f);
		got = spawn_sleeper();
		if (got == pid)
			return got;
		kill(got, SIGKILL);
		waitpid(got, NULL, 0);
	}
	return -1;
}

START_TEST(test_pid_reuse_never_reaches_newcomer)
{
	struct nm_root *root = live();
	struct nm_proc *old;
	pid_t pid = spawn_sleeper(), again;
	char *buf;

	ck_assert_int_eq(nm_proc_open(root, pid, &old), 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	again = respawn_with_pid(pid);
	if (getuid() == 0)
		ck_assert_msg(again == pid, "could not make the kernel reuse pid %d", (int)pid);
	/* Same number, different process: the old handle must not see it. */
	ck_assert(!nm_proc_alive(old));
	ck_assert_int_eq(nm_proc_read(old, "stat", 4096, &buf, NULL), -ESRCH);
	ck_assert_int_eq(nm_proc_openat(old, "numa_maps"), -ESRCH);
	ck_assert_int_eq(nm_proc_write(old, "clear_refs", "4"), -ESRCH);
	if (again > 0) {
		kill(again, SIGKILL);
		waitpid(again, NULL, 0);
	}
	nm_proc_close(old);
	nm_root_free(root);
}
END_TEST

static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

START_TEST(test_tids_live)
{
	struct nm_root *root = live();
	struct nm_proc *p;
	pthread_t th;
	pid_t *tids;
	int n, found = 0;

	ck_assert_int_eq(pthread_create(&th, NULL, idle_thread, NULL), 0);
	ck_assert_int_eq(nm_proc_open(root, getpid(), &p), 0);
	n = nm_proc_tids(p, &tids);
	ck_assert_int_eq(n, 2);
	for (int i = 0; i < n; i++)
		found += tids[i] == getpid();
	ck_assert_int_eq(found, 1);
	/* A thread's id is not a process: "no such process", whatever the
	 * kernel's pidfd_open() says of it (EINVAL, or ENOENT since 6.x). */
	for (int i = 0; i < n; i++) {
		struct nm_proc *q;

		if (tids[i] != getpid())
			ck_assert_int_eq(nm_proc_open(root, tids[i], &q), -ESRCH);
	}
	free(tids);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

START_TEST(test_fixture_root)
{
	struct nm_root *root = fixture_root("hostile");
	struct nm_proc *p = NULL;
	pid_t *tids;
	char *buf;
	size_t len;

	ck_assert_int_eq(nm_proc_open(root, 4243, &p), -ESRCH);
	ck_assert_int_eq(nm_proc_open(root, 4242, &p), 0);
	ck_assert_int_eq(p->pidfd, -1);
	ck_assert(nm_proc_alive(p));
	ck_assert_int_eq(nm_proc_read(p, "task/4243/stat", 4096, &buf, &len), 0);
	ck_assert_int_gt(len, 0);
	free(buf);
	ck_assert_int_eq(nm_proc_tids(p, &tids), 1);
	ck_assert_int_eq(tids[0], 4243);
	free(tids);
	ck_assert_int_eq(nm_proc_read(p, "nonexistent", 4096, &buf, &len), -ENOENT);
	/* A capture is not a kernel: never written. */
	ck_assert_int_eq(nm_proc_write(p, "clear_refs", "4"), -EOPNOTSUPP);
	nm_proc_close(p);
	nm_root_free(root);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("handle");

	tcase_add_test(tc, test_self);
	tcase_add_test(tc, test_missing_pid);
	tcase_add_test(tc, test_zombie_is_gone);
	tcase_add_test(tc, test_pid_reuse_never_reaches_newcomer);
	tcase_add_test(tc, test_tids_live);
	tcase_add_test(tc, test_fixture_root);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
