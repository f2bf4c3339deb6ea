#!/bin/sh
# daemon-threads: memory follows the threads (issue 13), thread-private
# misplaced start.
#
# wl-misplaced (threads) first-touches its whole buffer on node 0 from the
# main thread; then thread k, pinned to CPU node k, writes its own slice k.
# The process has no dominant node, so it is planned by region: numamigd
# clears its soft-dirty bits, samples the write faults, and moves each
# region to the node of the thread that writes it. The buffer starts half
# a region past a 2 MiB boundary (-o 256), so each slice boundary falls in
# the middle of a region that two threads write half each, none dominant
# (6.1 does not align a big mapping, 6.12 does: the offset makes both
# kernels alike); such a region is planned in two parts, one per writer.
# The test asserts:
#   - every page moved went to the node of its writer: of the pages the
#     workload samples at the end, those off node 0 are local to their
#     thread (counted from its own on= and local= figures: off node 0
#     minus local ones, slice 0's staying local on node 0), with a
#     tolerance of one region per boundary (in sampled pages),
#   - locality ends at 0.95 or more and the kernel migrated 0.9-1.1x the
#     misplaced pages (the time to 0.90 is printed, not asserted: see
#     daemon-misplaced.sh). On 4n with 6.1 the moves are slow: 6.1
#     flushes the TLB of every CPU the process runs on once per page it
#     migrates (6.4 batches the flush), and this guest runs its 4 vCPUs on
#     one TCG thread, so each flush waits for the other vCPUs to be
#     scheduled: one node's regions after another moved at about 11
#     pages/s, the three nodes' side by side at about 1,100. Real machines
#     send IPIs in microseconds.
#   - status counts clears, induced faults and pages moved by region
#     decisions, and the faults stay within what the budget allows,
#   - explain shows the process planned by region, with 95 % or more of
#     its hot set on a node that writes it (polled while the workload runs),
#   - the movers ran at a raised priority (move_priority: raised, the
#     default): no raise was refused. At the daemon's own they got half
#     of the vCPU the target node's writer keeps busy, and the move took
#     twice as long (2.0 s instead of 0.9-1.0 s on 2n 6.12).
# topo: 2n 4n
# kernel: 6.1 6.12
# timeout: 150
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cpu_nodes=$(expand "$(nodes_with_cpu)")
n=$(count "$cpu_nodes")
mib=96 secs=20
[ "$n" -gt 2 ] && mib=64 secs=40

cat >"$TMPDIR/numamigd.yaml" <<YAML
kernel_numa_balancing: disable
YAML
wl_policy "$TMPDIR" wl
numamigd_start "$TMPDIR"

before=$(awk '$1 == "pgmigrate_success" { print $2 }' /proc/vmstat)
sh -c "echo \$\$ >/sys/fs/cgroup/numamig.wl/cgroup.procs; exec wl-misplaced -s $mib -d $secs -i 0.5 -o 256" \
    >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^# wl-misplaced pid=' 60 || fail "wl-misplaced did not start"
wlpid=$(sed -n 's/^# wl-misplaced pid=\([0-9]*\) .*/\1/p' "$TMPDIR/wl.out")
# Explain once the hot set is home, or near the workload's end if it never
# gets there: how soon is printed (time to 90 %), not asserted, so a busy
# host that slows the moves does not fail the check.
wait_jq $((secs - 2)) "explain $wlpid" '.tiering.hot_local_pct >= 95' || true
numamigctl --json explain "$wlpid" >"$TMPDIR/explain.json" || true
wait "$wl"
after=$(awk '$1 == "pgmigrate_success" { print $2 }' /proc/vmstat)
cat "$TMPDIR/wl.out"
numamigctl --json status >"$TMPDIR/status.json"
numamigd_stop "$TMPDIR"
cat "$TMPDIR/daemon.log"
jq -c '.regions' "$TMPDIR/explain.json" | head -c 3000; echo

t90=$(awk -F'[ =]' '/^t=/ && $4 >= 0.9 { print $2; exit }' "$TMPDIR/wl.out")
first=$(grep '^t=' "$TMPDIR/wl.out" | head -n 1)
last=$(grep '^t=' "$TMPDIR/wl.out" | tail -n 1)
echo "time to 90% locality: ${t90:-never} s"
pages=$(((mib << 20) / 4096))
misplaced=$((pages * (n - 1) / n))
moved=$((after - before))
echo "pages misplaced at start: $misplaced, pages migrated: $moved"
sampled=$(field sampled "$last")
wrong=$(awk -v on="$(field on "$last")" -v s="$sampled" -v l="$(field local "$last")" -v n="$n" \
    'BEGIN { split(on, c, ","); w = (s - c[1]) - l * s + s / n; printf "%d", w < 0 ? 0 : w + 0.5 }')
check_range "sampled pages moved to a node not their writer's" "$wrong" 0 \
    $(((n - 1) * 512 * sampled / pages + 2))
check_range "locality gained (sampled pages moved home)" \
    "$(awk -v a="$(field local "$first")" -v b="$(field local "$last")" 'BEGIN { printf "%.3f", b - a }')" \
    0.01 1
check_range "final locality" "$(field local "$last")" 0.95 1
check_range "pages migrated / misplaced" "$(ratio "$moved" "$misplaced")" 0.9 1.1
jq '.attribution' "$TMPDIR/status.json"
check_eq "writes source" "$(jq -r '.attribution.writes' "$TMPDIR/status.json")" live
# The PMU source: no guest here has a PMU (TCG), so it must say why not;
# were it live, it must name its event.
case "$(jq -r '.attribution.pmu' "$TMPDIR/status.json")" in
unavailable) check_eq "pmu source: a reason" \
    "$(jq -r '.attribution.pmu_reason | type' "$TMPDIR/status.json")" string ;;
live) check_eq "pmu source: its event" \
    "$(jq -r '.attribution.pmu_event | type' "$TMPDIR/status.json")" string ;;
*) fail "pmu source: $(jq -c '.attribution.pmu' "$TMPDIR/status.json")" ;;
esac
clears=$(jq '.attribution.clears' "$TMPDIR/status.json")
faults=$(jq '.attribution.induced_faults' "$TMPDIR/status.json")
rmoved=$(jq '.attribution.region_pages_moved' "$TMPDIR/status.json")
check_range "clears" "$clears" 1 $((secs * 2))
check_range "region pages moved / migrated" "$(ratio "$rmoved" "$moved")" 0.9 1.1
# The budget is a token bucket of four seconds' worth: over the run at most
# four seconds more than the run's length, and one window's overdraft.
check_range "induced faults" "$faults" 1 $((10000 * (secs + 4) + (mib << 8)))
# Windows going on: running, backing off once every region is settled, or
# a clear put off by a budget (not whole, idle or failed).
check_eq "status: move_priority" "$(jq -r '.totals.move_priority' "$TMPDIR/status.json")" raised
check_eq "status: raises refused" "$(jq -r '.totals.move_priority_errors' "$TMPDIR/status.json")" 0
check_eq "explain: planned by region" \
    "$(jq -r '.regions.state | IN("running", "backoff", "fault_budget", "clear_budget")' \
        "$TMPDIR/explain.json")" true
check_range "explain: hot set on a node that writes it, %" \
    "$(jq -r '.tiering.hot_local_pct' "$TMPDIR/explain.json")" 95 100
finish
