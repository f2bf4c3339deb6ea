#!/bin/sh
# daemon-phase30: slow phases are followed: with a rotation every 30 s,
# longer than dwell + hysteresis, memory re-converges within each phase.
#
# wl-phase -P: one process per CPU node, all memory first-touched on node
# 0, each process moving on to the next node every 30 s; 50 s, so one
# phase change (at t=30 s). Policy residency, dwell 1s, hysteresis 10s.
# Asserted, from the workload's own reports: locality >= 0.9 at the end of
# the first phase (t=29 s) and at the end of the run, 20 s into the second
# phase (t=50 s); and pages migrated (pgmigrate_success) <= 1.6 x the
# working set: half of it at the start (the misplaced slices), all of it
# once after the change, nothing more.
# topo: 2n
# kernel: 6.12
# timeout: 75
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
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-phase -P -s $mib -p 30 -d 50 -i 1" >"$out"
after=$(vmstat pgmigrate_success)
numamigd_stop
cat "$out"
daemon_log "$TMPDIR/daemon.log"

moved=$((after - before))
# local= of the last report before T seconds.
local_before() {
    awk -F'[ =]' -v t="$1" '/^t=/ && $2 < t { l = $4 } END { print l }' "$out"
}
echo "working set: $ws pages; pages migrated: $moved"
check_range "locality at the end of phase 1 (t < 30 s)" "$(local_before 29.5)" 0.9 1
check_range "locality at the end of phase 2 (t = 50 s)" "$(local_before 1000)" 0.9 1
check_range "pages migrated / working set" \
    "$(ratio "$moved" "$ws")" 0 1.6
finish
