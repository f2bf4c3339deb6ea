/* Tests of lib/act/migq.c: custom items on the worker threads, cancellation
 * at stop, several workers running items at once, and the priority items
 * run at. (The lazy and direct walks they run are test-migrator's.) */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "numamig/migq.h"

struct custom {
	struct nm_mig_work base;
	const struct nm_mig_sys *sys;
	pthread_t thread;
	int runs;
};

static void custom_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	struct custom *c = (struct custom *)work;

	c->sys = sys;
	c->thread = pthread_self();
	c->runs++;
	work->err = -EXDEV; /* whatever the work item wants to say */
}

static void custom_done(struct nm_mig_work *work)
{
	(void)work;
}

START_TEST(test_migq_custom)
{
	struct custom c = { .base = { .run = custom_run, .done = custom_done } };
	struct nm_migq *q;
	struct nm_mig_work *done = NULL;
	struct pollfd pfd;

	ck_assert_int_eq(nm_migq_start(&nm_mig_kernel, 1, NULL, &q), 0);
	nm_migq_submit(q, &c.base);
	pfd = (struct pollfd){ .fd = nm_migq_fd(q), .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	done = nm_migq_done(q);
	ck_assert_ptr_eq(done, &c.base);
	ck_assert_ptr_null(done->next);
	ck_assert_int_eq(c.runs, 1);
	ck_assert_ptr_eq(c.sys, &nm_mig_kernel);
	ck_assert(!pthread_equal(c.thread, pthread_self()));
	ck_assert_int_eq(done->err, -EXDEV);
	nm_migq_stop(q);
	nm_migq_free(q);
}
END_TEST

static volatile int release;

static void blocking_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	(void)sys;
	while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
		usleep(1000);
	work->err = 0;
}

static void *releaser(void *arg)
{
	(void)arg;
	usleep(100000);
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* A custom work item still queued at the stop comes back unrun, -ECANCELED. */
START_TEST(test_migq_custom_cancelled)
{
	struct nm_mig_work a = { .run = blocking_run, .done = custom_done };
	struct custom b = { .base = { .run = custom_run, .done = custom_done } };
	struct nm_mig_work *list;
	struct nm_migq *q;
	pthread_t t;

	ck_assert_int_eq(nm_migq_start(&nm_mig_kernel, 1, NULL, &q), 0);
	nm_migq_submit(q, &a);
	nm_migq_submit(q, &b.base);
	ck_assert_int_eq(pthread_create(&t, NULL, releaser, NULL), 0);
	nm_migq_stop(q);
	pthread_join(t, NULL);
	list = nm_migq_done(q);
	ck_assert_ptr_nonnull(list);
	if (list == &a)
		list = list->next;
	ck_assert_ptr_eq(list, &b.base);
	ck_assert_ptr_null(list->next);
	ck_assert_int_eq(b.runs, 0);
	ck_assert_int_eq(b.base.err, -ECANCELED);
	nm_migq_free(q);
}
END_TEST

/* Work items meet at a barrier only several workers can pass: with one worker
 * the first work would wait for the others forever (the test's timeout). */
#define NR_PARALLEL 3
static pthread_barrier_t meet;

static void meeting_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	(void)sys;
	pthread_barrier_wait(&meet);
	work->err = 0;
}

START_TEST(test_migq_workers_in_parallel)
{
	struct nm_mig_work items[NR_PARALLEL];
	struct nm_migq *q;
	struct pollfd pfd;
	int back = 0;

	ck_assert_int_eq(pthread_barrier_init(&meet, NULL, NR_PARALLEL), 0);
	ck_assert_int_eq(nm_migq_start(&nm_mig_kernel, NR_PARALLEL, NULL, &q), 0);
	for (int i = 0; i < NR_PARALLEL; i++) {
		items[i] = (struct nm_mig_work){ .run = meeting_run, .done = custom_done, .err = 1 };
		nm_migq_submit(q, &items[i]);
	}
	pfd = (struct pollfd){ .fd = nm_migq_fd(q), .events = POLLIN };
	while (back < NR_PARALLEL && poll(&pfd, 1, 5000) == 1)
		for (struct nm_mig_work *j = nm_migq_done(q); j; j = j->next, back++)
			ck_assert_int_eq(j->err, 0);
	ck_assert_int_eq(back, NR_PARALLEL);
	nm_migq_stop(q);
	nm_migq_free(q);
	pthread_barrier_destroy(&meet);
}
END_TEST

struct nice_item {
	struct nm_mig_work base;
	int nice;
};

static void nice_run(struct nm_mig_work *work, const struct nm_mig_sys *sys)
{
	(void)sys;
	((struct nice_item *)work)->nice = getpriority(PRIO_PROCESS, 0);
}

/* Run one item on Q; returns the nice value it ran at. */
static int run_one(struct nm_migq *q, struct nice_item *it)
{
	struct pollfd pfd = { .fd = nm_migq_fd(q), .events = POLLIN };

	*it = (struct nice_item){ .base = { .run = nice_run, .done = custom_done }, .nice = 99 };
	nm_migq_submit(q, &it->base);
	ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	ck_assert_ptr_eq(nm_migq_done(q), &it->base);
	return it->nice;
}

/* Whether this thread may lower nice values; with DROP, it no longer may
 * (threads created later inherit that). */
static bool sys_nice(bool drop)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	bool had;

	ck_assert_int_eq(syscall(SYS_capget, &hdr, data), 0);
	had = data[0].effective & (1u << CAP_SYS_NICE);
	data[0].effective &= ~(1u << CAP_SYS_NICE);
	if (drop && had)
		ck_assert_int_eq(syscall(SYS_capset, &hdr, data), 0);
	return had;
}

/* Raised, items run 10 nice steps below the worker's own; back to 0, at
 * its own. Without CAP_SYS_NICE the raise is refused: counted once, told
 * in the item, and the item runs at the worker's own. Check forks each
 * test, so the capability and the nice values do not leak. */
static void check_raise(bool allowed)
{
	struct nice_item it;
	struct nm_migq *q;
	int own, err = 0;

	ck_assert_int_eq(setpriority(PRIO_PROCESS, 0, 5), 0); /* inherited by the workers */
	own = getpriority(PRIO_PROCESS, 0);
	ck_assert_int_eq(own, 5);
	ck_assert_int_eq(nm_migq_start(&nm_mig_kernel, 1, NULL, &q), 0);
	ck_assert_int_eq(run_one(q, &it), own); /* no raise asked */
	nm_migq_set_raise(q, NM_MIGQ_RAISE);
	if (allowed) {
		ck_assert_int_eq(run_one(q, &it), own - NM_MIGQ_RAISE);
		ck_assert_int_eq(it.base.prio_errno, 0);
		ck_assert_uint_eq(nm_migq_priority_errors(q, &err), 0);
	} else {
		ck_assert_int_eq(run_one(q, &it), own);
		ck_assert(it.base.prio_errno == EACCES || it.base.prio_errno == EPERM);
		ck_assert_uint_eq(nm_migq_priority_errors(q, &err), 1);
		ck_assert_int_eq(err, it.base.prio_errno);
		/* Asked once per setting, not once per item. */
		ck_assert_int_eq(run_one(q, &it), own);
		ck_assert_int_eq(it.base.prio_errno, 0);
		ck_assert_uint_eq(nm_migq_priority_errors(q, &err), 1);
	}
	nm_migq_set_raise(q, 0);
	ck_assert_int_eq(run_one(q, &it), own);
	ck_assert_int_eq(it.base.prio_errno, 0);
	nm_migq_stop(q);
	nm_migq_free(q);
}

START_TEST(test_migq_raise)
{
	bool allowed = sys_nice(false);

	if (!allowed) /* RLIMIT_NICE decides: the default, 0, allows no raise */
		ck_assert_int_eq(setrlimit(RLIMIT_NICE, &(struct rlimit){ 0, 0 }), 0);
	check_raise(allowed);
}
END_TEST

START_TEST(test_migq_raise_refused)
{
	sys_nice(true);
	ck_assert_int_eq(setrlimit(RLIMIT_NICE, &(struct rlimit){ 0, 0 }), 0);
	check_raise(false);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("migq");
	TCase *tc = tcase_create("migq");

	tcase_add_test(tc, test_migq_custom);
	tcase_add_test(tc, test_migq_custom_cancelled);
	tcase_add_test(tc, test_migq_workers_in_parallel);
	tcase_add_test(tc, test_migq_raise);
	tcase_add_test(tc, test_migq_raise_refused);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
