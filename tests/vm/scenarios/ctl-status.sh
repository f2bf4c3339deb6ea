#!/bin/sh
# ctl-status: numamigctl status and explain answer while numamigd brings a
# misplaced workload home, and what they say is true.
#
# wl-misplaced -P (one process per CPU node, each slice first touched on
# node 0) under a lazy policy with a rate limit, so convergence takes a
# few seconds. Snapshots of `numamigctl --json status`, taken one after
# the other until it is home (at most 60), must parse (jq), count every
# workload process as tracked, and show the process on the last CPU node
# in the top processes with its locality rising from misplaced (< 80 %)
# to home (>= 90 %); at the end pages
# migrated > 0 and the per-src->dst totals add up. `explain PID` names its
# state and home; `policy CGROUP` names the policy; the table output of
# status is printed for the log.
# topo: 2n 4n
# kernel: 6.1 6.12
# timeout: 150
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cpu_nodes=$(expand "$(nodes_with_cpu)")
n=$(count "$cpu_nodes")
last_node=$(echo "$cpu_nodes" | awk '{ print $NF }')
mib=$((24 * n))
cg=/sys/fs/cgroup/numamig.ctl
wl_policy "$TMPDIR" ctl "rate_limit: 2MiB/s"
numamigd_start "$TMPDIR"
check_eq "socket mode" "$(stat -c %a /run/numamigd/io.numamigd)" 660

sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 0 -i 1" \
    >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 30 || fail "workload did not start"
# The user on the last CPU node (CPU k is on node k in these topologies);
# it first-touches its slice on node 0, then moves there.
i=0
user=
while [ -z "$user" ] && [ $i -lt 50 ]; do
    user=$(for c in $(cat "$cg/cgroup.procs"); do
        [ "$(awk '{ print $39 }' "/proc/$c/stat")" = "$last_node" ] && echo "$c"
    done | tail -n 1)
    i=$((i + 1))
    sleep 0.2
done
[ -n "$user" ] || fail "no workload process on node $last_node"
procs=$(wc -l <"$cg/cgroup.procs")
echo "workload: $procs processes, watching pid $user (node $last_node)"

# Snapshots until $user is home; each must parse. Its locality over time.
i=0
parsed=0
final=
: >"$TMPDIR/locality"
while [ $i -lt 60 ] && ! awk -v v="$final" 'BEGIN { exit !(v != "null" && v >= 90) }'; do
    numamigctl --json status >"$TMPDIR/s.json"
    rc=$?
    if [ $rc -ne 0 ] || ! jq -e . "$TMPDIR/s.json" >/dev/null; then
        fail "snapshot $i: exit $rc, or not JSON"
    else
        parsed=$((parsed + 1))
        jq -r --argjson p "$user" '.processes[] | select(.pid == $p) |
            "\(.locality_pct) \(.state) \(.last_action.reason // "-")"' \
            "$TMPDIR/s.json" >>"$TMPDIR/locality"
        tracked=$(jq .totals.processes_tracked "$TMPDIR/s.json")
        final=$(tail -n 1 "$TMPDIR/locality" | awk '{ print $1 }')
    fi
    [ $i -eq 2 ] && numamigctl status
    i=$((i + 1))
    sleep 0.5
done
echo "--- locality of pid $user, state, last action reason, per snapshot:"
cat "$TMPDIR/locality"
check_eq "snapshots parsed" "$parsed" "$i"
check_eq "processes tracked" "$tracked" "$procs"
first=$(awk '$1 != "null" { print $1; exit }' "$TMPDIR/locality")
check_range "first known locality of pid $user (%)" "${first:-none}" 0 80
check_range "final locality of pid $user (%)" "${final:-none}" 90 100
check_eq "locality rose" "$(awk -v a="$first" -v b="$final" 'BEGIN { print (b > a) }')" 1

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
    "$(jq --argjson n "$last_node" '.residency.cpu_pct_per_node[$n] >= 50' "$TMPDIR/e.json")" true
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
