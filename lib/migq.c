/* migq: the migrator's worker thread. See numamig/migq.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "numamig/migq.h"

struct nm_migq {
	const struct nm_mig_sys *sys;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct nm_mig_job *todo, *done; /* FIFO heads */
	int efd;
	bool stopping;
};

static void append(struct nm_mig_job **head, struct nm_mig_job *job)
{
	job->next = NULL;
	while (*head)
		head = &(*head)->next;
	*head = job;
}

static void run(const struct nm_mig_sys *sys, struct nm_mig_job *job)
{
	if (job->run)
		job->run(job, sys);
	else if (job->direct)
		job->err = nm_mig_direct(sys, job->req.proc, job->from, job->to,
					 job->req.max_mapcount, &job->res);
	else
		job->err = nm_mig_lazy(sys, &job->req, &job->res);
}

static void finish(struct nm_migq *q, struct nm_mig_job *job)
{
	uint64_t one = 1;

	pthread_mutex_lock(&q->lock);
	append(&q->done, job);
	pthread_mutex_unlock(&q->lock);
	/* The counter only ever needs to be nonzero; EAGAIN at the 2^64 cap
	 * cannot happen before the reader drains it. */
	if (write(q->efd, &one, sizeof(one)) < 0)
		return; /* nonblocking: cannot fail short of the cap */
}

static void *worker(void *arg)
{
	struct nm_migq *q = arg;

	for (;;) {
		struct nm_mig_job *job;

		pthread_mutex_lock(&q->lock);
		while (!q->todo && !q->stopping)
			pthread_cond_wait(&q->wake, &q->lock);
		if (q->stopping) {
			pthread_mutex_unlock(&q->lock);
			return NULL;
		}
		job = q->todo;
		q->todo = job->next;
		pthread_mutex_unlock(&q->lock);
		run(q->sys, job);
		finish(q, job);
	}
}

int nm_migq_start(const struct nm_mig_sys *sys, struct nm_migq **out)
{
	struct nm_migq *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	q->sys = sys;
	q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->efd < 0) {
		r = -errno;
		free(q);
		return r;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->wake, NULL);
	r = -pthread_create(&q->thread, NULL, worker, q);
	if (r < 0) {
		close(q->efd);
		free(q);
		return r;
	}
	*out = q;
	return 0;
}

void nm_migq_stop(struct nm_migq *q)
{
	struct nm_mig_job *job;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = true;
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	while ((job = q->todo)) {
		q->todo = job->next;
		job->err = -ECANCELED;
		append(&q->done, job);
	}
}

void nm_migq_free(struct nm_migq *q)
{
	if (!q)
		return;
	close(q->efd);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->wake);
	free(q);
}

int nm_migq_fd(const struct nm_migq *q)
{
	return q->efd;
}

void nm_migq_submit(struct nm_migq *q, struct nm_mig_job *job)
{
	pthread_mutex_lock(&q->lock);
	append(&q->todo, job);
	pthread_cond_signal(&q->wake);
	pthread_mutex_unlock(&q->lock);
}

struct nm_mig_job *nm_migq_done(struct nm_migq *q)
{
	struct nm_mig_job *list;
	uint64_t n;
	ssize_t r;

	/* EAGAIN (nothing signalled) is fine: look anyway, as after a stop. */
	r = read(q->efd, &n, sizeof(n));
	(void)r;
	pthread_mutex_lock(&q->lock);
	list = q->done;
	q->done = NULL;
	pthread_mutex_unlock(&q->lock);
	return list;
}
