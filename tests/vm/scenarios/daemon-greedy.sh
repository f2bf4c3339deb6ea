#!/bin/sh
# daemon-greedy: the greedy baseline migrates far more than residency on
# the same workload (seed 001: pluggable policies on one mechanism).
#
# The same 3 s rotation as daemon-phase (wl-phase -P, one process per CPU
# node, memory first-touched on node 0), run for 20 s under each policy
# in turn: residency (dwell 1s, hysteresis 10s) then greedy (memory goes
# where the task ran in the last tick). One daemon serves both, each
# policy matching its own cgroup. Asserted, with pgmigrate_success of
# /proc/vmstat counted per run:
#   - greedy migrates at least 3 x what residency migrates,
#   - greedy really follows the phases: at least 2 x the working set,
#   - residency stays within 2 x the working set.
# topo: 2n
# kernel: 6.12
# timeout: 70
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

mib=32
secs=20
ws=$(((mib << 20) / 4096))
mkdir -p /sys/fs/cgroup/numamig.res /sys/fs/cgroup/numamig.greedy "$TMPDIR/policy.d"
: >"$TMPDIR/numamigd.yaml"
cat >"$TMPDIR/policy.d/50-wl.yaml" <<YAML
policies:
  - name: res
    match: { cgroup: "/numamig.res" }
    policy: residency
    dwell: 1s
    hysteresis: 10s
    min_rss: 1MiB
    rate_limit: unlimited
  - name: greedy
    match: { cgroup: "/numamig.greedy" }
    policy: greedy
    dwell: 1s
    hysteresis: 10s
    min_rss: 1MiB
    rate_limit: unlimited
YAML
numamigd_start "$TMPDIR"

# run POLICY: the phase workload in cgroup numamig.POLICY; sets moved.
run() {
    b=$(vmstat pgmigrate_success)
    sh -c "echo \$\$ >/sys/fs/cgroup/numamig.$1/cgroup.procs; exec wl-phase -P -s $mib -p 3 -d $secs -i 1" \
        >"$TMPDIR/$1.out"
    moved=$(($(vmstat pgmigrate_success) - b))
    echo "--- $1: $moved pages migrated, mean locality $(mean_local "$TMPDIR/$1.out")"
    cat "$TMPDIR/$1.out"
}
run res
res=$moved
run greedy
greedy=$moved
numamigd_stop
daemon_log "$TMPDIR/daemon.log"

echo "working set: $ws pages; pages migrated in $secs s: residency $res, greedy $greedy"
check_range "residency: pages migrated / working set" \
    "$(ratio "$res" "$ws")" 0 2
check_range "greedy: pages migrated / working set" \
    "$(ratio "$greedy" "$ws")" 2 1000
if [ "$greedy" -ge $((3 * res)) ]; then
    ok "greedy migrated >= 3 x residency ($greedy vs $res)"
else
    fail "greedy migrated $greedy pages, residency $res: want greedy >= 3 x residency"
fi
finish
