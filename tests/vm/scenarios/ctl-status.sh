#!/bin/sh
# ctl-status: numamigctl status and explain answer while numamigd brings a
# misplaced workload home, and what they say is true.
#
# wl-misplaced -P (one process per CPU node, each slice first touched on
# node 0) under a lazy policy with a rate limit, so convergence takes a
# few seconds. The daemon is paused until the workload is in place: it
# tracks, samples and reads maps but plans nothing, so the misplaced state
# holds however slow the host is, and status must show it (the process on
# the last CPU node runs there, has no home yet, and its locality is
# < 80 %). After resume, snapshots of `numamigctl --json status`, taken one
# after the other until it is home, must parse (jq), count every workload
# process as tracked, and show its locality reaching >= 90 % with its home
# on the node it runs on; at the end pages migrated > 0 and the per
# src->dst totals add up. `explain PID` names its state and home; `policy
# CGROUP` names the policy; the table output of status is printed for the
# log. Every wait is bounded only against a hung daemon: no check depends
# on how fast the guest runs.
# topo: 2n 4n
# kernel: 6.1 6.12
# timeout: 400
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cpu_nodes=$(expand "$(nodes_with_cpu)")
n=$(count "$cpu_nodes")
last_node=$(echo "$cpu_nodes" | awk '{ print $NF }')
mib=$((24 * n))
cg=/sys/fs/cgroup/numamig.ctl
wl_policy "$TMPDIR" ctl "rate_limit: 8MiB/s"
numamigd_start "$TMPDIR"
check_eq "socket mode" "$(stat -c %a /run/numamigd/io.numamigd)" 660
numamigctl pause >/dev/null
check_eq "pause exit" "$?" 0

sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 0 -i 1" \
    >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 60 || fail "workload did not start"
# The user on the last CPU node (CPU k is on node k in these topologies);
# it first-touches its slice on node 0, then moves there.
user=$(proc_on_cpu "$cg" "$last_node")
[ -n "$user" ] || fail "no workload process on node $last_node"
procs=$(wc -l <"$cg/cgroup.procs")
echo "workload: $procs processes, watching pid $user (node $last_node)"

# snapshot I: one status snapshot, which must parse; appends the
# locality, home, node and state of $user to $TMPDIR/locality.
parsed=0
: >"$TMPDIR/locality"
snapshot() {
    numamigctl --json status >"$TMPDIR/s.json"
    _rc=$?
    if [ $_rc -ne 0 ] || ! jq -e . "$TMPDIR/s.json" >/dev/null; then
        fail "snapshot $1: exit $_rc, or not JSON"
        return 1
    fi
    parsed=$((parsed + 1))
    jq -r --argjson p "$user" '.processes[] | select(.pid == $p) |
        "\(.locality_pct) \(.home) \(.cpu_node) \(.state) \(.last_action.reason // "-")"' \
        "$TMPDIR/s.json" >>"$TMPDIR/locality"
}
# The user's last snapshot: its locality (or "null").
last_locality() { tail -n 1 "$TMPDIR/locality" | awk '{ print $1 }'; }

# Paused: seen on its node, with a map read since it touched its 24 MiB
# slice (on node 0), and never planned.
wait_jq 120 status 'any(.processes[]; .pid == $p and .cpu_node == $n and
        .locality_pct != null and .eligible_bytes >= 20 * 1048576)' \
    --argjson p "$user" --argjson n "$last_node" ||
    fail "pid $user not shown on node $last_node while paused"
i=0
snapshot $i
i=$((i + 1))
first=$(last_locality)
check_range "locality of pid $user while paused (%)" "${first:-none}" 0 80
check_eq "home of pid $user while paused" "$(tail -n 1 "$TMPDIR/locality" | awk '{ print $2 }')" null
numamigctl status

numamigctl resume >/dev/null
check_eq "resume exit" "$?" 0
# Snapshots until $user is home (0.5 s apart, at most 240).
final=
while [ $i -lt 240 ] && ! awk -v v="$final" 'BEGIN { exit !(v != "null" && v >= 90) }'; do
    snapshot $i
    final=$(last_locality)
    [ $i -eq 2 ] && numamigctl status
    i=$((i + 1))
    sleep 0.5
done
tracked=$(jq .totals.processes_tracked "$TMPDIR/s.json")
echo "--- pid $user per snapshot: locality, home, node, state, last action reason"
cat "$TMPDIR/locality"
check_eq "snapshots parsed" "$parsed" "$i"
check_eq "processes tracked" "$tracked" "$procs"
check_range "final locality of pid $user (%)" "${final:-none}" 90 100

echo "--- numamigctl status (end)"
numamigctl status
check_eq "numamigctl status exit" "$?" 0
numamigctl --json status >"$TMPDIR/s.json"
pages=$(jq .totals.pages_migrated "$TMPDIR/s.json")
check_range "pages migrated" "$pages" 1 100000000
check_eq "sum of src->dst pages = total" \
    "$(jq '[.totals.migrated[].pages] | add' "$TMPDIR/s.json")" "$pages"
check_eq "bytes = pages x page size" "$(jq '.totals.bytes_migrated == .totals.pages_migrated * .page_size' "$TMPDIR/s.json")" true
check_eq "nothing migrated from node $last_node to itself" \
    "$(jq --argjson n "$last_node" '[.totals.migrated[] | select(.src == $n and .dst == $n)] | length' "$TMPDIR/s.json")" 0
check_eq "policy ctl: processes" "$(jq '.policies[0].processes' "$TMPDIR/s.json")" "$procs"
check_eq "sampler source named" "$(jq -r '.daemon.sampler.source | test("perf|proc")' "$TMPDIR/s.json")" true
check_eq "paused" "$(jq .daemon.paused "$TMPDIR/s.json")" false
echo "cgroup walk: $(jq .totals.cgroup_walk_us "$TMPDIR/s.json") us," \
    "$(jq .totals.cgroups_walked "$TMPDIR/s.json") cgroups visited in all"
check_eq "top process has the home node $last_node" \
    "$(jq --argjson p "$user" '.processes[] | select(.pid == $p) | .home' "$TMPDIR/s.json")" "$last_node"

echo "--- numamigctl explain $user"
numamigctl explain "$user"
check_eq "explain exit" "$?" 0
numamigctl --json explain "$user" >"$TMPDIR/e.json"
check_eq "explain: pid" "$(jq .process.pid "$TMPDIR/e.json")" "$user"
check_eq "explain: state is a planner state" \
    "$(jq -r '.planner.state | test("^(settled|cooldown|migrating|stable|candidate|new)$")' "$TMPDIR/e.json")" true
check_eq "explain: home" "$(jq .planner.home "$TMPDIR/e.json")" "$last_node"
check_eq "explain: ran on its node" \
    "$(jq --argjson n "$last_node" '.residency.last_node == $n' "$TMPDIR/e.json")" true
check_eq "explain: home_changed counted" "$(jq '.reasons.home_changed >= 1' "$TMPDIR/e.json")" true

echo "--- numamigctl policy /numamig.ctl/sub"
numamigctl policy /numamig.ctl/sub | tee "$TMPDIR/p.txt"
grep -q 'policy ctl' "$TMPDIR/p.txt" || fail "policy does not name ctl"
numamigctl policy

kill -TERM "$wl"
wait "$wl"
numamigd_stop
[ -e /run/numamigd/io.numamigd ] && fail "socket left behind after exit"
finish
