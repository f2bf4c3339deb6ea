/* manager: the daemon's event loop. See manager.h. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>

#include "base/clock.h"
#include "control.h"
#include "log.h"
#include "manager.h"
#include "numamig/engine.h"
#include "numamig/knb.h"
#include "numamig/metrics.h"
#include "report.h"

struct manager {
	struct manager_opts opts;
	sd_event *event;
	sd_event_source *tick, *windows, *reap;
	struct nm_root *root;
	struct nm_engine *engine;
	struct nm_config *config;
	int knb_saved[NM_KNB_SETTINGS];   /* values to restore on exit; -1: untouched */
	bool knb_adopted[NM_KNB_SETTINGS]; /* saved by an earlier run that did not restore it */
	struct control *control;       /* NULL when the socket could not be made */
	uint64_t started_ms;
	bool ticked;                   /* the first tick has run */
	int metrics_err;               /* last metrics_file errno, to log changes only */
	int damon_err;                 /* the DAMON source's last state, ditto */
};

uint64_t manager_now_ms(void)
{
	return nm_mono_ns() / 1000000;
}

/* Print every diagnostic; hand them to KEEP if not NULL. */
static struct nm_config *load_config(const struct nm_config_paths *paths,
				     struct nm_config_diags *keep)
{
	struct nm_config_diags diags;
	struct nm_config *config = NULL;
	char line[1024];

	nm_config_diags_init(&diags);
	nm_config_load(paths, &config, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		const struct nm_config_diag *d = &diags.v[i];

		nm_config_diag_format(d, line, sizeof(line));
		if (d->severity == NM_CONFIG_ERROR)
			log_err("%s", line);
		else if (d->severity == NM_CONFIG_WARNING)
			log_warn("%s", line);
		else
			log_notice("%s", line);
	}
	if (!config)
		log_err("configuration rejected: %zu error(s)", diags.errors);
	if (keep)
		*keep = diags;
	else
		nm_config_diags_clear(&diags);
	return config;
}

struct nm_config *manager_load_config(const struct nm_config_paths *paths)
{
	return load_config(paths, NULL);
}

static int knb_wanted(const struct manager *m, enum nm_knb_setting s)
{
	return nm_knb_wanted(m->config, nm_engine_topology(m->engine), s);
}

/* Set S as the config wants it, or restore what we changed (a reload may
 * switch). The old value is saved in the state directory before the
 * setting changes, so a crash in between cannot lose it, and forgotten
 * once it is back. */
static void apply_knb(struct manager *m, enum nm_knb_setting s)
{
	const char *dir = m->opts.state_dir, *name = nm_knb_name(s);
	int want = knb_wanted(m, s), v, r;

	if (want >= 0 && m->knb_saved[s] < 0) {
		r = nm_knb_read(m->root, s, &v);
		if (r < 0 || v == want) {
			if (r < 0)
				log_warn("cannot read %s, so it is left alone: %s", name, strerror(-r));
			return;
		}
		if ((r = nm_knb_save(dir, s, v)) < 0) {
			log_warn("cannot save %s=%d in %s, so it is left alone: %s", name, v, dir,
				 strerror(-r));
			return;
		}
		if ((r = nm_knb_write(m->root, s, want)) < 0) {
			nm_knb_forget(dir, s);
			log_warn("cannot set %s to %d: %s", name, want, strerror(-r));
			return;
		}
		m->knb_saved[s] = v;
		log_notice("%s: %d -> %d while numamigd runs (saved in %s)", name, v, want, dir);
	} else if (want < 0 && m->knb_saved[s] >= 0) {
		r = nm_knb_write(m->root, s, m->knb_saved[s]);
		if (r < 0) {
			/* The saved value stays for the next start to retry. */
			log_warn("cannot restore %s=%d: %s", name, m->knb_saved[s], strerror(-r));
		} else {
			log_notice("%s restored to %d", name, m->knb_saved[s]);
			if ((r = nm_knb_forget(dir, s)) < 0)
				log_warn("cannot remove the saved %s in %s: %s", name, dir, strerror(-r));
		}
		m->knb_saved[s] = -1;
		m->knb_adopted[s] = false;
	}
}

static void apply_knbs(struct manager *m)
{
	for (int s = 0; s < NM_KNB_SETTINGS; s++)
		apply_knb(m, (enum nm_knb_setting)s);
}

/* At start: a value an earlier numamigd saved and never restored (it was
 * killed, or crashed) is the one to restore, not the one it left behind. */
static void adopt_knb(struct manager *m, enum nm_knb_setting s)
{
	const char *dir = m->opts.state_dir, *name = nm_knb_name(s);
	int want = knb_wanted(m, s), v, now, r = nm_knb_saved(dir, s, &v);

	if (r == -ENOENT)
		return;
	if (r < 0) {
		log_warn("cannot read the saved %s in %s: %s", name, dir, strerror(-r));
		return;
	}
	m->knb_saved[s] = v;
	m->knb_adopted[s] = true;
	log_warn("%s: an earlier numamigd changed it and did not put back %d (it was killed or "
		 "crashed); %s", name, v, want >= 0 ? "it is kept changed while numamigd runs" :
		 "restoring it now");
	if (want >= 0 && nm_knb_read(m->root, s, &now) == 0 && now != want &&
	    (r = nm_knb_write(m->root, s, want)) < 0)
		log_warn("cannot set %s to %d: %s", name, want, strerror(-r));
}

static void notify_status(struct manager *m)
{
	const struct nm_counters *c = nm_engine_counters(m->engine);
	uint64_t moved = 0;

	for (int i = 0; i < c->nr_nodes * c->nr_nodes; i++)
		moved += c->moved[i];
	sd_notifyf(0, "STATUS=%s%zu processes tracked, %" PRIu64 " pages migrated, sampler %s",
		   nm_engine_paused(m->engine) ? "paused; " : "", nm_engine_tracker(m->engine)->n,
		   moved, nm_sampler_source_name(nm_engine_sampler(m->engine)));
}

static double cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* metrics_file, rewritten every tick. A failure is logged once per errno
 * (not every tick) and its recovery once: the collector only sees a file
 * that stopped changing, so the journal must say why. */
static void write_metrics(struct manager *m, uint64_t now_ms)
{
	const struct nm_sampler *smp = nm_engine_sampler(m->engine);
	struct nm_metrics_src src = {
		.counters = nm_engine_counters(m->engine),
		.tracker = nm_engine_tracker(m->engine),
		.config = m->config,
		.sampler_source = nm_sampler_source_name(smp),
		.version = PACKAGE_VERSION,
		.paused = nm_engine_paused(m->engine),
		.uptime_s = (double)(now_ms - m->started_ms) / 1000,
		.cpu_s = cpu_seconds(),
	};
	const char *why;
	int r;

	if (!m->config->metrics_file[0])
		return;
	nm_sampler_get_stats(smp, &src.sampler);
	src.damon_err = nm_engine_damon(m->engine, &why, &src.damon);
	if (nm_knb_read(m->root, NM_KNB_BALANCING, &src.numa_balancing) < 0)
		src.numa_balancing = -1;
	if (nm_knb_read(m->root, NM_KNB_DEMOTION, &src.demotion_enabled) < 0)
		src.demotion_enabled = -1;
	r = nm_metrics_write(&src, m->config->metrics_file, &why);
	if (r < 0 && r != m->metrics_err)
		log_warn("metrics_file %s: not written: %s", m->config->metrics_file,
			 why ? why : strerror(-r));
	else if (r == 0 && m->metrics_err)
		log_notice("metrics_file %s: written again", m->config->metrics_file);
	m->metrics_err = r;
}

/* Windows shorter than an interval end between ticks, on a timer of their
 * own (nm_engine_windows_due_ms). */
static int arm_windows(struct manager *m)
{
	uint64_t due = nm_engine_windows_due_ms(m->engine);
	int r;

	if (!due)
		return sd_event_source_set_enabled(m->windows, SD_EVENT_OFF);
	r = sd_event_source_set_time(m->windows, due * 1000);
	return r < 0 ? r : sd_event_source_set_enabled(m->windows, SD_EVENT_ONESHOT);
}

static int on_windows(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	(void)s;
	(void)usec;
	nm_engine_windows(m->engine, manager_now_ms());
	return arm_windows(m);
}

/* The tick after the one due at USEC: an interval later, or sooner when
 * a task's dwell ends before that (nm_engine_dwell_due_ms), no sooner
 * than a tenth of an interval after NOW_MS. The period then runs from the
 * early tick: tick windows of unequal lengths are summed by the planner,
 * and there are never more ticks than a tenth of an interval apart. */
static uint64_t next_tick_us(const struct manager *m, uint64_t usec, uint64_t now_ms)
{
	uint64_t next = usec + m->config->interval_ms * 1000;
	uint64_t due = nm_engine_dwell_due_ms(m->engine) * 1000;
	uint64_t soonest = (now_ms + m->config->interval_ms / 10) * 1000;

	if (due && due < next)
		next = due > soonest ? due : soonest;
	return next;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	uint64_t now = manager_now_ms();
	int r = nm_engine_tick(m->engine, now);

	if (r < 0)
		log_warn("tick failed: %s", strerror(-r));
	report_decisions(m->engine, now);
	report_damon(m->engine, &m->damon_err);
	notify_status(m);
	write_metrics(m, now);
	/* The period runs from the first tick, not from when the timer was
	 * armed: the rest of start-up in between would shorten the first
	 * window, and dwell counts windows. */
	if (!m->ticked)
		usec = now * 1000;
	m->ticked = true;
	sd_event_source_set_time(s, next_tick_us(m, usec, now));
	r = arm_windows(m);
	if (r < 0)
		log_warn("arming the windows timer: %s", strerror(-r));
	return sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static int on_reap(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;

	(void)s;
	(void)fd;
	(void)revents;
	nm_engine_reap(m->engine, manager_now_ms());
	return 0;
}

/* SIGHUP and the Reload method: load the files again; a config with
 * errors keeps the old one. */
int manager_reload(struct manager *m, struct nm_config_diags *diags)
{
	struct nm_config *next;
	int r;

	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, manager_now_ms() * 1000);
	next = load_config(&m->opts.paths, diags);
	r = next ? nm_engine_set_config(m->engine, next, manager_now_ms()) : -EINVAL;
	if (r < 0) {
		nm_config_free(next);
		log_err("reload failed: keeping the running configuration");
		sd_notify(0, "READY=1\nSTATUS=reload failed: keeping the running configuration");
		return r;
	}
	if (strcmp(next->control_socket, m->config->control_socket) != 0)
		log_notice("control_socket: the new path takes effect on restart");
	nm_config_free(m->config);
	m->config = next;
	m->metrics_err = 0;            /* a new path deserves its own first warning */
	apply_knbs(m);
	log_notice("configuration reloaded: %zu policies, hash %016" PRIx64,
		   next->n_policies, nm_config_hash(next));
	sd_notify(0, "READY=1");
	notify_status(m);
	return 0;
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)s;
	(void)si;
	manager_reload(userdata, NULL);
	return 0;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)userdata;
	log_info("signal %u: stopping", si->ssi_signo);
	sd_notify(0, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* sd-event takes signals through a signalfd, which only works if no
 * thread lets them through: block them before the migrator's worker
 * thread starts, since threads inherit the mask. */
static int block_signals(void)
{
	sigset_t ss;

	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	return pthread_sigmask(SIG_BLOCK, &ss, NULL) == 0 ? 0 : -EINVAL;
}

/* The control socket. Without it the daemon still balances, so only
 * another daemon answering on it (two balancers would fight) stops us. */
static int start_control(struct manager *m)
{
	const char *path = m->config->control_socket, *why = NULL;
	int r = control_new(m->event, m->opts.methods, m->opts.n_methods, m, &m->control);

	if (r == 0)
		r = control_listen(m->control, path, &why);
	if (r == -EADDRINUSE) {
		log_err("control socket %s: another numamigd is running", path);
		return r;
	}
	if (r < 0) {
		log_err("control socket %s: %s; running without it", path, why ? why : strerror(-r));
		control_free(m->control);
		m->control = NULL;
	}
	return 0;
}

static int setup_loop(struct manager *m)
{
	int r = sd_event_default(&m->event);

	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGTERM, on_term, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGINT, on_term, m);
	if (r >= 0)
		r = sd_event_add_signal(m->event, NULL, SIGHUP, on_hup, m);
	if (r >= 0)
		/* Accuracy 1 ms, not sd-event's default 250 ms: tick windows
		 * are what dwell counts, and a late tick shifts every later
		 * decision. */
		r = sd_event_add_time_relative(m->event, &m->tick, CLOCK_MONOTONIC, 0, 1000, on_tick,
					       m);
	if (r >= 0)
		r = sd_event_add_time(m->event, &m->windows, CLOCK_MONOTONIC, 0, 1000, on_windows, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->windows, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_io(m->event, &m->reap, nm_engine_fd(m->engine), EPOLLIN, on_reap, m);
	if (r >= 0)
		r = start_control(m);
	/* Pings WATCHDOG=1 at half of WatchdogSec when systemd asks for it. */
	if (r >= 0)
		r = sd_event_set_watchdog(m->event, true);
	return r < 0 ? r : 0;
}

int manager_new(const struct manager_opts *opts, struct manager **out)
{
	struct manager *m = calloc(1, sizeof(*m));
	const char *what = "setting up";
	int r;

	if (!m) {
		log_err("cannot start: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	m->opts = *opts;
	for (int s = 0; s < NM_KNB_SETTINGS; s++)
		m->knb_saved[s] = -1;
	m->damon_err = 1; /* not needed yet */
	m->started_ms = manager_now_ms();
	m->config = manager_load_config(&opts->paths);
	r = m->config ? block_signals() : -EINVAL;
	if (r == 0 && (r = nm_root_open(opts->root, &m->root)) < 0)
		what = "opening the root directory";
	if (r == 0)
		r = nm_engine_new(m->root, opts->source, &m->engine, &what);
	if (r == 0 && (r = nm_engine_set_config(m->engine, m->config, manager_now_ms())) < 0)
		what = "applying the config";
	if (r == 0)
		nm_engine_on_reap(m->engine, report_migration, NULL);
	if (r == 0) {
		report_sources(m->engine);
	}
	if (r == 0 && (r = setup_loop(m)) < 0)
		what = "setting up the event loop and control socket";
	if (r < 0) {
		/* Config errors were printed as they were found. */
		if (m->config)
			log_err("cannot start: %s under %s: %s", what, opts->root, strerror(-r));
		manager_free(m);
		return r;
	}
	*out = m;
	return 0;
}

int manager_run(struct manager *m)
{
	char sampler[256];
	int r;

	for (int s = 0; s < NM_KNB_SETTINGS; s++)
		adopt_knb(m, (enum nm_knb_setting)s);
	apply_knbs(m);
	nm_sampler_describe(nm_engine_sampler(m->engine), sampler, sizeof(sampler));
	/* The description names the fallback's reason, if any. */
	log_info("numamigd %s started: %zu policies, sampler %s", PACKAGE_VERSION,
		 m->config->n_policies, sampler);
	sd_notify(0, "READY=1");
	notify_status(m);
	r = sd_event_loop(m->event);
	m->config->kernel_numa_balancing = NM_KNB_KEEP;
	apply_knbs(m);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	/* The engine first: stopping it answers the operator's jobs in
	 * progress ("numamigd is stopping", with what they moved), and the
	 * control connections then send those answers as they close. */
	nm_engine_free(m->engine);
	control_free(m->control);
	sd_event_source_unref(m->tick);
	sd_event_source_unref(m->windows);
	sd_event_source_unref(m->reap);
	sd_event_unref(m->event);
	nm_root_free(m->root);
	nm_config_free(m->config);
	free(m);
}

/* ---- for the control methods (ctl-methods.c) ---- */

struct nm_engine *manager_engine(const struct manager *m)
{
	return m->engine;
}

const struct nm_config *manager_config(const struct manager *m)
{
	return m->config;
}

uint64_t manager_started_ms(const struct manager *m)
{
	return m->started_ms;
}

void manager_knb(const struct manager *m, enum nm_knb_setting s, int *value, int *saved,
		 bool *adopted)
{
	int r = nm_knb_read(m->root, s, value);

	if (r < 0)
		*value = r;
	*saved = m->knb_saved[s];
	*adopted = m->knb_adopted[s];
}

const char *manager_state_dir(const struct manager *m)
{
	return m->opts.state_dir;
}

void manager_set_paused(struct manager *m, bool paused, const char *who)
{
	if (nm_engine_paused(m->engine) != paused)
		log_notice("%s by %s", paused ? "paused" : "resumed", who);
	nm_engine_pause(m->engine, paused);
	notify_status(m);
}
