/* report: what the daemon tells the journal about the engine: the
 * decisions of a tick, each finished migration, and the attribution
 * sources (soft-dirty bits, the writes and PMU sources, DAMON) as they
 * come up or fail. Wiring only: the engine decides, this says so. */
#ifndef NUMAMIGD_REPORT_H
#define NUMAMIGD_REPORT_H

#include <stdint.h>

#include "numamig/engine.h"

/* The tick at TICK_MS: a line for each task that decided to move, and in
 * debug one for each of the others. */
void report_decisions(const struct nm_engine *e, uint64_t tick_ms);

/* A finished migration (an nm_engine_reap_fn; ARG unused). */
void report_migration(const struct nm_task *t, const struct nm_mig_work *work, void *arg);

/* At start: whether threads on several nodes can be placed by region, and
 * whether precise memory samples add reads. */
void report_sources(const struct nm_engine *e);

/* The DAMON source opens when a tiered process first needs it: say how
 * that went, once per change of its state (*LAST, which this updates). */
void report_damon(const struct nm_engine *e, int *last);

#endif
