#!/bin/sh
# daemon-tier-read: memory on a CPU-less node that the task only reads is
# promoted where the kernel has DAMON and the policy asks for it
# (tiering.reads: damon), and stays where it has not, as status says.
#
# wl-tier -R: a 16 MiB hot set the thread on node 0 reads (never writes)
# and a 48 MiB cold set, both first touched on the CPU-less node, for 20 s.
#   - 6.12 (DAMON): status says DAMON is live and read snapshots; >= 95 % of
#     the hot set ends on node 0, >= 95 % of the cold set stays, pages
#     migrated <= 1.1 x the hot set; with tiering.reads: off (writes only,
#     the default) >= 95 % of the hot set stays on the CPU-less node: it
#     was DAMON.
#   - 6.12, demotion: both sets first touched on node 0 (-F 0) and a goal
#     that asks to shed 8 MiB more than the cold set: >= 90 % of the cold
#     set goes to the CPU-less node (a 2 MiB region next to the hot set
#     that one of DAMON's regions straddles is seen accessed, and stays),
#     the read hot set stays on node 0 (every locality reported >= 0.95:
#     DAMON found it hot, so it is not cold; status puts >= 95 % of its hot
#     set on nodes with CPUs); with tiering.reads: off it would count as
#     cold and be demoted as well.
#   - 6.1 (no DAMON): status says DAMON is unavailable and why; the hot set
#     stays.
# TCG: an accessed bit that DAMON clears is set again only when the vCPU's
# software TLB misses, and QEMU's holds every page of a thread that never
# leaves its CPU (hardware TLBs hold a few thousand entries). A second
# process on the thread's CPU, as on any busy machine, makes it switch.
# topo: cxl
# kernel: 6.1 6.12
# timeout: 240
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

hot_mib=16 cold_mib=48
hot=$(((hot_mib << 20) / 4096))
cold=$(((cold_mib << 20) / 4096))
cg=/sys/fs/cgroup/numamig.wl
far=$(far_node)
SPIN_CPU=$(expand "$(cat /sys/devices/system/node/node0/cpulist)")
SPIN_CPU=${SPIN_CPU%% *}
wl="-R -s $hot_mib -c $cold_mib -d 20 -i 2"
lowest_local() {
    awk '/^t=/ { sub(/.*local=/, ""); sub(/ .*/, ""); if (min == "" || $0 < min) min = $0 } END { print min }' "$out"
}

# demote: wl-tier -R -F 0 for 40 s, and once it is set up a goal 8 MiB
# under what shedding the whole cold set would reach, cold_after 3s.
demote() {
    mkdir -p "$cg"
    sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-tier -R -F 0 -s $hot_mib -c $cold_mib -d 40 -i 1" \
        >"$TMPDIR/demote.out" &
    wlpid=$!
    taskset -c "$SPIN_CPU" sh -c 'while :; do :; done' &
    spin=$!
    wait_for "$TMPDIR/demote.out" '^t=' 60 || fail "demote: workload did not start"
    total=$(node_mem 0 MemTotal)
    used=$((total - $(node_mem 0 MemFree)))
    goal=$(((used - ((cold_mib + 8) << 20)) * 100 / total))
    echo "node 0: $((used >> 20)) of $((total >> 20)) MiB used; goal $goal %"
    rm -rf "$TMPDIR/policy.d"
    wl_policy "$TMPDIR" wl "policy: residency" "tiering: { goal_used: $goal%, cold_after: 3s, reads: damon }"
    numamigd_start "$TMPDIR"
    sleep 30
    numamigctl --json status >"$TMPDIR/demote-30s.json"
    wait "$wlpid"
    kill "$spin"
    out=$TMPDIR/demote.out json=$TMPDIR/demote.json
    numamigctl --json status >"$json"
    numamigd_stop
    cat "$out"
}

tier_run damon "$wl" "tiering: { reads: damon }"
if [ -d /sys/kernel/mm/damon/admin ]; then
    check_eq "damon: DAMON state" "$(jq -r .damon.state "$json")" live
    check_range "damon: snapshots read" "$(jq .damon.snapshots "$json")" 1 100000
    check_range "damon: read hot set on node 0" "$(set_share hot 0 "$out")" 0.95 1
    check_range "damon: cold set on node $far" "$(set_share cold "$far" "$out")" 0.95 1
    check_range "damon: pages migrated / hot set" "$(ratio "$moved" "$hot")" 0 1.1
    check_eq "damon: kdamonds left after stop" "$(cat /sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds)" 0

    demote
    check_range "demote: lowest read hot-set locality reported" "$(lowest_local)" 0.95 1
    check_range "demote: read hot set on node 0" "$(set_share hot 0 "$out")" 0.95 1
    check_range "demote: status at 30 s: hot set on nodes with CPUs, %" \
        "$(jq '.processes[] | select(.comm == "wl-tier") | .hot_fast_pct' "$TMPDIR/demote-30s.json")" 95 100
    check_range "demote: cold set on node $far" "$(set_share cold "$far" "$out")" 0.9 1
    check_range "demote: status: demoted pages / cold set" \
        "$(ratio "$(jq .totals.demoted_pages "$json")" "$cold")" 0.9 1.1

    tier_run off "$wl"
    check_eq "off: DAMON state" "$(jq -r .damon.state "$json")" unused
    check_range "off: read hot set on node $far" "$(set_share hot "$far" "$out")" 0.95 1
else
    check_eq "no DAMON: state" "$(jq -r .damon.state "$json")" unavailable
    jq -r .damon.reason "$json" | grep -q CONFIG_DAMON_SYSFS ||
        fail "no DAMON: reason: $(jq -r .damon.reason "$json")"
    ok "no DAMON: reason given"
    check_range "no DAMON: read hot set on node $far" "$(set_share hot "$far" "$out")" 0.95 1
fi
daemon_log "$TMPDIR/daemon.log"
finish
