/* Tests of lib/act/migq.c: custom items on the worker threads, cancellation
 * at stop, and several workers running items at once. (The lazy and
 * direct walks they run are test-migrator's.) */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

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

static Suite *make_suite(void)
{
	Suite *s = suite_create("migq");
	TCase *tc = tcase_create("migq");

	tcase_add_test(tc, test_migq_custom);
	tcase_add_test(tc, test_migq_custom_cancelled);
	tcase_add_test(tc, test_migq_workers_in_parallel);
	suite_add_tcase(s, tc);
	return s;
}

#include "check-main.h"
