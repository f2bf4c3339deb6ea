/* ctl-policy: policies as JSON (GetPolicy, and the policy of a process in
 * Explain). See ctl-status.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl-status.h"
#include "numamig/set.h"

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
	json_object_object_add(o, "mode", json_object_new_string(nm_mode_name(pol->mode)));
	json_object_object_add(o, "policy", json_object_new_string(nm_policy_kind_name(pol->policy)));
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
	json_object_object_add(o, "attribution",
			       json_object_new_string(nm_attribution_name(pol->attribution)));
	json_object_object_add(o, "region_bytes", ctl_json_u64(pol->region_bytes));
	json_object_object_add(o, "shared", json_object_new_string(nm_shared_name(pol->shared)));
	json_object_object_add(o, "tiering_promote",
			       json_object_new_string(nm_promote_name(pol->promote)));
	json_object_object_add(o, "tiering_goal_used_pct", json_object_new_int((int)pol->goal_used_pct));
	json_object_object_add(o, "tiering_cold_after_ms", ctl_json_u64(pol->cold_after_ms));
	json_object_object_add(o, "tiering_reads", json_object_new_string(nm_reads_name(pol->reads)));
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
