#!/bin/sh
# daemon-threads-shared: a buffer written by threads on every node (issue 13).
#
# wl-shared: the buffer is first-touched on node 0, then one thread per CPU
# node writes all of it. No node holds `dominance` of any region's writes.
#   1. Default (shared: stay): the buffer does not ping-pong: after the
#      first 10 s at most 0.1 x its pages move (pgmigrate_success).
#   2. shared: spread: its regions are spread over the writers; at the end
#      every node holds within 10 % of an even share of the buffer (the
#      workload's own on= counts of 1024 sampled pages), and after that
#      nothing moves back and forth (at most 0.1 x its pages in the last 10 s).
# topo: 2n 4n
# kernel: 6.1 6.12
# timeout: 120
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

n=$(count "$(expand "$(nodes_with_cpu)")")
mib=32 secs=30
pages=$(((mib << 20) / 4096))
cg=/sys/fs/cgroup/numamig.wl

# run NAME: wl-shared for $secs s; sets early (pages moved in the first 10
# s), late (after 10 s), tail (in the last 10 s) and out.
run() {
    out=$TMPDIR/$1.out
    b0=$(vmstat pgmigrate_success)
    sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-shared -s $mib -d $secs -i 1 -n 1024" >"$out" &
    wl=$!
    sleep 4
    numamigctl --json explain "$(sed -n 's/^# wl-shared pid=\([0-9]*\) .*/\1/p' "$out")" |
        jq -c '[.regions.top[] | [.write_share_per_node, .state, .reason]]'
    wait_for "$out" '^t=1[0-9]\.' 30 || fail "$1: no report at t=10 s"
    b1=$(vmstat pgmigrate_success)
    wait_for "$out" "^t=$((secs - 10))\\." 30 || fail "$1: no report at t=$((secs - 10)) s"
    b2=$(vmstat pgmigrate_success)
    wait "$wl"
    b3=$(vmstat pgmigrate_success)
    early=$((b1 - b0)) late=$((b3 - b1)) tail=$((b3 - b2))
    grep '^t=' "$out" | awk 'NR % 5 == 1'
    echo "$1: $pages pages; moved $early in the first 10 s, $late after, $tail in the last 10 s"
}

wl_policy "$TMPDIR" wl
numamigd_start "$TMPDIR"
run stay
check_range "stay: pages moved after 10 s / buffer" "$(ratio "$late" "$pages")" 0 0.1

wl_policy "$TMPDIR" wl "shared: spread"
kill -HUP "$numamigd_pid"
wait_for "$TMPDIR/daemon.log" 'configuration reloaded' 10 || fail "no reload"
run spread
numamigctl --json status | jq -c '.attribution'
numamigd_stop
daemon_log "$TMPDIR/daemon.log"
last=$(grep '^t=' "$out" | tail -n 1)
on=$(field on "$last")
sampled=$(field sampled "$last")
i=0
for c in $(echo "$on" | tr ',' ' '); do
    check_range "spread: share of node $i / even" \
        "$(awk -v c="$c" -v s="$sampled" -v n="$n" 'BEGIN { printf "%.3f", c / s * n }')" 0.9 1.1
    i=$((i + 1))
done
check_range "spread: pages moved in the last 10 s / buffer" "$(ratio "$tail" "$pages")" 0 0.1
finish
