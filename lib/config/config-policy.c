/* config-policy: the built-in policy defaults, a policy's memory, and the
 * checks that span keys (batch.min <= batch.max, max_dwell >= dwell) or
 * policies (unique names).
 *
 * Every policy starts as a copy of the defaults: the built-in ones below,
 * then whatever the main file's "defaults:" says. conf/numamigd.yaml
 * carries the same values and reasons for operators.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "config-internal.h"

/* Shared-library and system file pages stay put even with file_backed:
 * every process maps them, so there is no one right node for them, and
 * moving them only costs. Patterns match across '/'. */
static const char *const builtin_excludes[] = {
	"/usr/lib/*", "/usr/lib64/*", "/lib/*", "/lib64/*",
};

#define N_EXCLUDES (sizeof(builtin_excludes) / sizeof(builtin_excludes[0]))

void cfg_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static char **strv_copy(char *const *v, size_t n)
{
	char **copy = calloc(n ? n : 1, sizeof(*copy));

	for (size_t i = 0; copy && i < n; i++) {
		copy[i] = strdup(v[i]);
		if (!copy[i]) {
			cfg_strv_free(copy, i);
			return NULL;
		}
	}
	return copy;
}

int cfg_policy_builtin(struct nm_policy *p)
{
	memset(p, 0, sizeof(*p));
	/* Writing a policy is the opt-in, and lazy is the careful mover:
	 * rate-limited, batched, and stoppable between batches. */
	p->mode = NM_MODE_LAZY;
	p->policy = NM_POLICY_RESIDENCY;
	/* One tick at the default interval: kernel autoNUMA converges in
	 * 1-1.5 s and the bar is to be no slower; the instability backoff,
	 * not a long dwell, is what stops ping-pong. */
	p->dwell_ms = 1000;
	/* The anti-thrash interval: after a migration nothing moves
	 * for 30 s, so a task rotating nodes every few seconds costs at most
	 * one working set per 30 s even before the backoff kicks in. */
	p->hysteresis_ms = 30000;
	/* Doubling from 1 s reaches 5 min in nine unstable periods; a task
	 * that unstable gains nothing from following itself around. */
	p->max_dwell_ms = 300000;
	/* Clearly more than half: with two nodes a 55/45 split is noise. */
	p->dominance_pct = 70;
	p->min_gain_pct = 10;
	/* Scanning a small process costs about as much as it can gain;
	 * 64 MiB is well below what database, JVM and VM hosts care about. */
	p->min_rss_bytes = 64ull << 20;
	/* A page mapped by two processes has no one right node. */
	p->max_mapcount = 1;
	p->file_backed = false;
	p->exclude_files = strv_copy((char *const *)builtin_excludes, N_EXCLUDES);
	p->n_exclude_files = p->exclude_files ? N_EXCLUDES : 0;
	p->nodes = NULL;
	/* 256 MiB/s moves a 2 x 128 MiB working set in 1 s, and stays a
	 * fraction of the memory bandwidth the workload itself needs. */
	p->rate_limit_bps = 256ull << 20;
	/* The kernel moves 16 pages per loop in move_pages; 64 amortises the
	 * syscall, 4096 (16 MiB) is where one call costs milliseconds, and
	 * 20 ms keeps a latency-sensitive workload's mmap_lock waits short. */
	p->batch_min = 64;
	p->batch_max = 4096;
	p->batch_latency_us = 20000;
	/* The writes source only runs for processes with no dominant node,
	 * the ones left alone without it; off is for CRIU users (it resets
	 * the soft-dirty bits CRIU's pre-dump relies on). */
	p->attribution = NM_ATTR_AUTO;
	/* A transparent huge page: the kernel moves one whole, and a 32 GiB
	 * heap is 16384 regions. */
	p->region_bytes = 2ull << 20;
	/* Moving a region that several nodes write only makes it remote for
	 * the others; spreading is for bandwidth, which the operator asks for. */
	p->shared = NM_SHARED_STAY;
	/* Memory on a CPU-less node is slower, not wrong: what the task
	 * writes is worth the fast tier, what it only keeps there is not
	 * worth the fast tier's space. */
	p->promote = NM_PROMOTE_HOT;
	/* The kernel demotes only under reclaim, and only when asked
	 * (demotion_enabled): numamigd neither, unless the operator sets a
	 * goal. A region unwritten for 30 s is one the writes source saw
	 * skip about 8 of its windows even when they back off (16 s). */
	p->goal_used_pct = 100;
	p->cold_after_ms = 30000;
	/* DAMON is asked for: each snapshot holds the loop about 100 ms, and
	 * where DAMON sees little (a guest whose vCPUs seldom switch) it only
	 * costs. */
	p->reads = NM_READS_OFF;
	return p->exclude_files ? 0 : -1;
}

void cfg_policy_clear(struct nm_policy *p)
{
	free(p->name);
	free(p->match_cgroup);
	cfg_strv_free(p->match_comm, p->n_match_comm);
	cfg_strv_free(p->exclude_files, p->n_exclude_files);
	if (p->nodes)
		numa_bitmask_free(p->nodes);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

static char *strdup_or_null(const char *s, bool *failed)
{
	char *copy = s ? strdup(s) : NULL;

	if (s && !copy)
		*failed = true;
	return copy;
}

int cfg_policy_copy(struct nm_policy *dst, const struct nm_policy *src)
{
	bool failed = false;

	*dst = *src;
	dst->name = strdup_or_null(src->name, &failed);
	dst->match_cgroup = strdup_or_null(src->match_cgroup, &failed);
	dst->file = strdup_or_null(src->file, &failed);
	dst->match_comm = src->match_comm ? strv_copy(src->match_comm, src->n_match_comm) : NULL;
	dst->exclude_files = strv_copy(src->exclude_files, src->n_exclude_files);
	dst->nodes = NULL;
	if (src->nodes) {
		dst->nodes = numa_bitmask_alloc((unsigned)src->nodes->size);
		if (dst->nodes)
			copy_bitmask_to_bitmask(src->nodes, dst->nodes);
	}
	if (failed || (src->match_comm && !dst->match_comm) || !dst->exclude_files ||
	    (src->nodes && !dst->nodes)) {
		if (!dst->match_comm)
			dst->n_match_comm = 0;
		if (!dst->exclude_files)
			dst->n_exclude_files = 0;
		cfg_policy_clear(dst);
		return -1;
	}
	return 0;
}

/* Where to blame a conflict between keys A and B: the one this policy set
 * (the later one if it set both), or NULL when the policy set neither, so
 * the conflict was already reported on the defaults (or cannot exist). */
static const struct cfg_loc *blame(const struct cfg_policy *cp, int a, int b)
{
	const struct cfg_loc *la = &cp->where[a], *lb = &cp->where[b];

	if (!cp->own[a] && !cp->own[b])
		return NULL;
	if (!cp->own[a])
		return lb;
	if (!cp->own[b])
		return la;
	return lb->line > la->line || (lb->line == la->line && lb->col > la->col) ? lb : la;
}

void cfg_policy_check(struct cfg_loader *ld, struct cfg_policy *cp)
{
	struct nm_policy *p = &cp->p;
	const struct cfg_loc *loc;
	char a[32], b[32];

	loc = blame(cp, CFG_P_BATCH_MIN, CFG_P_BATCH_MAX);
	if (loc && p->batch_min > p->batch_max)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, loc,
			 "'batch.min' (%u) is larger than 'batch.max' (%u)",
			 p->batch_min, p->batch_max);
	if (cp->own[CFG_P_REGION_SIZE] && (p->region_bytes & (p->region_bytes - 1)))
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &cp->where[CFG_P_REGION_SIZE],
			 "'region_size' must be a power of two, like 2MiB");
	/* An operator who only lengthens dwell should not have to know about
	 * the backoff cap: an unset cap follows dwell up. */
	if (!cp->where[CFG_P_MAX_DWELL].file && p->max_dwell_ms < p->dwell_ms)
		p->max_dwell_ms = p->dwell_ms;
	loc = blame(cp, CFG_P_DWELL, CFG_P_MAX_DWELL);
	if (loc && p->max_dwell_ms < p->dwell_ms) {
		nm_config_format_duration(p->max_dwell_ms * 1000, a, sizeof(a));
		nm_config_format_duration(p->dwell_ms * 1000, b, sizeof(b));
		cfg_diag(ld->diags, NM_CONFIG_ERROR, loc,
			 "'max_dwell' (%s) is shorter than 'dwell' (%s)", a, b);
	}
	/* promote: all brings back everything on a memory-only node: what
	 * was demoted would be promoted at the next tick. */
	loc = blame(cp, CFG_P_TIERING_PROMOTE, CFG_P_TIERING_GOAL_USED);
	if (loc && p->promote == NM_PROMOTE_ALL && p->goal_used_pct < 100)
		cfg_diag(ld->diags, NM_CONFIG_ERROR, loc,
			 "'tiering.goal_used' (%u%%) demotes what 'tiering.promote: all' "
			 "would promote again; use 'promote: hot'", p->goal_used_pct);
}

static int grow(struct cfg_loader *ld)
{
	struct nm_config *c = ld->config;
	size_t cap = ld->cap ? 2 * ld->cap : 8;
	struct nm_policy *v = realloc(c->policies, cap * sizeof(*v));
	struct cfg_loc *at;

	if (!v)
		return -1;
	c->policies = v;
	at = realloc(ld->name_at, cap * sizeof(*at));
	if (!at)
		return -1;
	ld->name_at = at;
	ld->cap = cap;
	return 0;
}

static void check_unique(struct cfg_loader *ld, const struct cfg_policy *cp)
{
	const struct nm_config *c = ld->config;

	for (size_t i = 0; cp->p.name && i < c->n_policies; i++) {
		if (!c->policies[i].name || strcmp(c->policies[i].name, cp->p.name) != 0)
			continue;
		cfg_diag(ld->diags, NM_CONFIG_ERROR, &cp->where[CFG_P_NAME],
			 "duplicate policy name '%s'", cp->p.name);
		cfg_diag(ld->diags, NM_CONFIG_NOTE, &ld->name_at[i],
			 "'%s' was first defined here", cp->p.name);
		return;
	}
}

static bool lists_comm(const struct nm_policy *p, const char *comm)
{
	for (size_t i = 0; i < p->n_match_comm; i++)
		if (strcmp(p->match_comm[i], comm) == 0)
			return true;
	return false;
}

/* EARLIER matches every process LATER does (the same glob, and no comm
 * list or one holding all of LATER's names), so LATER never applies. */
static bool shadows(const struct nm_policy *earlier, const struct nm_policy *later)
{
	if (!earlier->match_cgroup || !later->match_cgroup ||
	    strcmp(earlier->match_cgroup, later->match_cgroup) != 0)
		return false;
	if (!earlier->n_match_comm)
		return true;
	if (!later->n_match_comm)
		return false;
	for (size_t i = 0; i < later->n_match_comm; i++)
		if (!lists_comm(earlier, later->match_comm[i]))
			return false;
	return true;
}

/* A policy that can never win is almost always a copy left behind. */
static void check_shadowed(struct cfg_loader *ld, const struct cfg_policy *cp)
{
	const struct nm_config *c = ld->config;

	for (size_t i = 0; i < c->n_policies; i++) {
		if (!shadows(&c->policies[i], &cp->p))
			continue;
		cfg_diag(ld->diags, NM_CONFIG_NOTE, &cp->where[CFG_P_CGROUP],
			 "policy '%s' never applies: policy '%s' (%s:%d) comes first and "
			 "matches the same processes", cp->p.name ? cp->p.name : "",
			 c->policies[i].name ? c->policies[i].name : "", c->policies[i].file,
			 c->policies[i].line);
		return;
	}
}

int cfg_policy_add(struct cfg_loader *ld, struct cfg_policy *cp)
{
	struct nm_config *c = ld->config;
	struct nm_policy *p = &cp->p;

	free(p->file); /* a copy of the defaults' (NULL) */
	p->file = strdup(cp->at.file);
	p->line = cp->at.line;
	if (!p->file || (c->n_policies == ld->cap && grow(ld) < 0)) {
		cfg_policy_clear(p);
		return -1;
	}
	check_unique(ld, cp);
	check_shadowed(ld, cp);
	/* The name's position, kept with a file name that lives as long as
	 * the config, for a later duplicate to point back at. */
	ld->name_at[c->n_policies] = cp->where[CFG_P_NAME];
	ld->name_at[c->n_policies].file = p->file;
	c->policies[c->n_policies++] = *p;
	memset(p, 0, sizeof(*p));
	return 0;
}
