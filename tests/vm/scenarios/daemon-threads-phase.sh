#!/bin/sh
# daemon-threads-phase: memory that follows threads does not ping-pong when
# the threads keep changing nodes (issue 13; daemon-phase is the same for
# processes).
#
# wl-phase (threads): one thread per CPU node, all memory first-touched on
# node 0, and every 3 s each thread moves on to the next node, for 60 s.
# The process has no dominant node, so its regions are planned one by one,
# each with the same dwell (1s), hysteresis (10s) and instability backoff
# as a process: a region whose writer keeps changing nodes inside its
# cooldown is unstable, its dwell doubles until it is longer than a phase,
# and it is left alone. The test asserts, with pgmigrate_success of
# /proc/vmstat (the kernel's count, not the daemon's):
#   - pages migrated in the whole run <= 2 x the working set,
#   - pages migrated in the second half (from t=30 s) <= 0.1 x the working
#     set,
#   - mean locality (the workload's own reports) >= 0.45 (doing nothing
#     gives 0.50: each slice is local half of the time),
#   - the daemon placed the process by region (status counts clears).
# topo: 2n
# kernel: 6.1 6.12
# timeout: 90
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

mib=32
ws=$(((mib << 20) / 4096))
cg=/sys/fs/cgroup/numamig.wl
wl_policy "$TMPDIR" wl "policy: residency" "dwell: 1s" "hysteresis: 10s"
numamigd_start "$TMPDIR"

out=$TMPDIR/wl.out
before=$(vmstat pgmigrate_success)
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-phase -s $mib -p 3 -d 60 -i 1" >"$out" &
wl=$!
# The report line of t=30 s splits the run in two halves.
wait_for "$out" '^t=3[0-9]\.' 50 || fail "no report at t=30 s"
half=$(vmstat pgmigrate_success)
wait "$wl"
after=$(vmstat pgmigrate_success)
numamigctl --json status >"$TMPDIR/status.json"
numamigd_stop
cat "$out"
daemon_log "$TMPDIR/daemon.log"
jq -c '.attribution' "$TMPDIR/status.json"

total=$((after - before))
second=$((after - half))
echo "working set: $ws pages; pages migrated: $total in all, $second in the second half"
check_range "pages migrated / working set, whole run" \
    "$(ratio "$total" "$ws")" 0 2
check_range "pages migrated / working set, second half" \
    "$(ratio "$second" "$ws")" 0 0.1
check_range "mean locality" "$(mean_local "$out")" 0.45 1
check_range "report lines" "$(grep -c '^t=' "$out")" 50 70
check_range "clears (placed by region)" "$(jq '.attribution.clears' "$TMPDIR/status.json")" 1 200
finish
