/* ctl-policy: policies as JSON (GetPolicy, and the policy of a process in
 * Explain), plus the small helpers every ctl-* builder shares. See
 * ctl-status.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl-status.h"
#include "numamig/set.h"

/* The config's own spelling (lib/config-keys.c keeps these private). */
static const char *const mode_names[] = { "off", "advise", "lazy", "direct" };
static const char *const kind_names[] = { "residency", "greedy" };

const char *ctl_mode_name(enum nm_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(*mode_names) ? mode_names[m] : "unknown";
}

const char *ctl_kind_name(enum nm_policy_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[k] : "unknown";
}

json_object *ctl_json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

json_object *ctl_json_pct(uint64_t num, uint64_t den)
{
	char buf[32];

	if (!den)
		return NULL;
	/* Keep the printed form: json-c would print the double's full
	 * binary expansion (93.400000000000006). */
	snprintf(buf, sizeof(buf), "%.1f", (double)num * 100.0 / (double)den);
	return json_object_new_double_s((double)num * 100.0 / (double)den, buf);
}

json_object *ctl_json_node(int node)
{
	return node < 0 ? NULL : json_object_new_int(node);
}

uint64_t ctl_task_eligible_kb(const struct nm_task *t, int node)
{
	if (node < 0 || node >= t->fp.eligible.nr_nodes || !t->fp.eligible.kb)
		return 0;
	return t->fp.eligible.kb[node];
}

uint64_t ctl_task_eligible_total_kb(const struct nm_task *t)
{
	uint64_t sum = 0;

	for (int n = 0; n < t->fp.eligible.nr_nodes && t->fp.eligible.kb; n++)
		sum += t->fp.eligible.kb[n];
	return sum;
}

int ctl_task_home(const struct nm_task *t)
{
	return t->plan.has_home ? t->plan.home : -1;
}

int ctl_task_cpu_node(const struct nm_task *t)
{
	const struct nm_residency *r = &t->res;
	int best = -1;

	if (!r->total_ns || !r->node_ns)
		return r->last_node;
	for (int n = 0; n < r->nr_nodes; n++)
		if (r->node_ns[n] && (best < 0 || r->node_ns[n] > r->node_ns[best]))
			best = n;
	return best;
}

/* The planner's home is where memory was sent, not where the task is: a
 * task that moved on since (or has not been planned yet) has its memory
 * on the home and its CPU time elsewhere. So locality weighs each node's
 * memory by the node's share of the task's CPU time now: the share of its
 * accesses that are local if its threads touch its pages alike. */
bool ctl_task_local_kb(const struct nm_task *t, uint64_t *local_kb)
{
	const struct nm_residency *r = &t->res;
	double sum = 0;

	if (!r->total_ns || !r->node_ns) {
		*local_kb = ctl_task_eligible_kb(t, r->last_node);
		return r->last_node >= 0;
	}
	for (int n = 0; n < r->nr_nodes; n++)
		sum += (double)ctl_task_eligible_kb(t, n) * (double)r->node_ns[n];
	*local_kb = (uint64_t)(sum / (double)r->total_ns + 0.5);
	return true;
}

uint64_t ctl_ago(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

json_object *ctl_json_hash(const struct nm_config *config)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%016" PRIx64, nm_config_hash(config));
	return json_object_new_string(buf);
}

static json_object *string_array(char *const *v, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *node_list(const struct bitmask *nodes)
{
	char buf[256];

	if (!nodes || nm_set_format(nodes, buf, sizeof(buf)) < 0)
		return NULL;
	return json_object_new_string(buf);
}

static json_object *match_of(const struct nm_policy *pol)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "cgroup", json_object_new_string(pol->match_cgroup));
	json_object_object_add(m, "comm", pol->n_match_comm ?
			       string_array(pol->match_comm, pol->n_match_comm) : NULL);
	return m;
}

json_object *ctl_json_policy(const struct nm_policy *pol)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(pol->name));
	json_object_object_add(o, "file", pol->file ? json_object_new_string(pol->file) : NULL);
	json_object_object_add(o, "line", json_object_new_int(pol->line));
	json_object_object_add(o, "match", match_of(pol));
	json_object_object_add(o, "mode", json_object_new_string(ctl_mode_name(pol->mode)));
	json_object_object_add(o, "policy", json_object_new_string(ctl_kind_name(pol->policy)));
	json_object_object_add(o, "dwell_ms", ctl_json_u64(pol->dwell_ms));
	json_object_object_add(o, "hysteresis_ms", ctl_json_u64(pol->hysteresis_ms));
	json_object_object_add(o, "max_dwell_ms", ctl_json_u64(pol->max_dwell_ms));
	json_object_object_add(o, "dominance_pct", json_object_new_int((int)pol->dominance_pct));
	json_object_object_add(o, "min_gain_pct", json_object_new_int((int)pol->min_gain_pct));
	json_object_object_add(o, "min_rss_bytes", ctl_json_u64(pol->min_rss_bytes));
	json_object_object_add(o, "max_mapcount", json_object_new_int((int)pol->max_mapcount));
	json_object_object_add(o, "file_backed", json_object_new_boolean(pol->file_backed));
	json_object_object_add(o, "exclude_files",
			       string_array(pol->exclude_files, pol->n_exclude_files));
	json_object_object_add(o, "nodes", node_list(pol->nodes));
	json_object_object_add(o, "rate_limit_bytes_per_s", ctl_json_u64(pol->rate_limit_bps));
	json_object_object_add(o, "batch_min", json_object_new_int((int)pol->batch_min));
	json_object_object_add(o, "batch_max", json_object_new_int((int)pol->batch_max));
	json_object_object_add(o, "batch_latency_us", ctl_json_u64(pol->batch_latency_us));
	return o;
}

/* Which policy processes named COMM in CGROUP get, for each comm some
 * policy lists: nm_config_match() decides, so the answer is the daemon's. */
static json_object *by_comm(const struct nm_config *config, const char *cgroup)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < config->n_policies; i++) {
		const struct nm_policy *p = &config->policies[i];

		for (size_t j = 0; j < p->n_match_comm; j++) {
			const struct nm_policy *m = nm_config_match(config, cgroup, p->match_comm[j]);
			json_object *e = json_object_new_object();

			json_object_object_add(e, "comm", json_object_new_string(p->match_comm[j]));
			json_object_object_add(e, "policy", m ? json_object_new_string(m->name) : NULL);
			json_object_array_add(a, e);
		}
	}
	return a;
}

json_object *ctl_policy_build(const struct nm_config *config, const char *cgroup)
{
	json_object *o = json_object_new_object();
	json_object *a;
	const struct nm_policy *m;

	if (!cgroup) {
		a = json_object_new_array();
		for (size_t i = 0; i < config->n_policies; i++)
			json_object_array_add(a, ctl_json_policy(&config->policies[i]));
		json_object_object_add(o, "config_hash", ctl_json_hash(config));
		json_object_object_add(o, "policies", a);
		return o;
	}
	/* comm NULL: the policy for processes whatever their name. */
	m = nm_config_match(config, cgroup, NULL);
	json_object_object_add(o, "cgroup", json_object_new_string(cgroup));
	json_object_object_add(o, "managed", json_object_new_boolean(nm_config_wants_cgroup(config, cgroup)));
	json_object_object_add(o, "policy", m ? ctl_json_policy(m) : NULL);
	json_object_object_add(o, "by_comm", by_comm(config, cgroup));
	return o;
}
