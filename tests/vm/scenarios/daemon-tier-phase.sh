#!/bin/sh
# daemon-tier-phase: when a task's hot and cold sets swap, the new hot set
# is promoted and the old one demoted within the phase, and the pages
# moved per swap stay bounded (no ping-pong growth).
#
# wl-tier -p 25: set A (16 MiB) first touched on node 0, set B (16 MiB) on
# the CPU-less node; one thread on node 0 writes A for 25 s, then B for
# 25 s, then A again (75 s). The policy's goal is put 6 MiB under node 0's
# use once both are set up, so a promoted set pushes node 0 above it by
# more than a set, with cold_after 4s. Asserted, from the workload's status
# query of every page each second and the kernel's pgmigrate_success:
#   - at the end of each later phase >= 95 % of the set written in it is
#     on node 0, and of the other set no more than one 2 MiB region (the
#     sets are adjacent mappings: the region across their boundary holds
#     pages of both, and is written in every phase);
#   - each swap moves <= 2.2 x a set's pages (one set in, one out), and
#     the second no more than 1.2 x the first;
#   - status counts no ping-pong (a region moved back between tiers within
#     cold_after of its last move): the sets move once per swap.
# The whole run is repeated without CAP_SYS_ADMIN and CAP_PERFMON
# (vmt-capdrop: no perf event opens), where the writes of the process,
# which has one home, are read from its pages' soft-dirty bits, with the
# same bars. On 6.12 it is repeated again with tiering.reads: damon, with a
# busy loop sharing the workload's CPU (DAMON is blind under TCG to a
# thread that never leaves its vCPU: see daemon-tier-read), and the same
# bars.
# topo: cxl
# kernel: 6.1 6.12
# timeout: 560
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

set_mib=16 period=25
pages=$(((set_mib << 20) / 4096))
cg=/sys/fs/cgroup/numamig.wl
mkdir -p "$cg"
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# at T: the last report before T (hot and cold shares).
at() { awk -v t="$1" '/^t=/ { split($1, a, "="); if (a[2] + 0 <= t) line = $0 } END { print line }' "$out"; }
# moved_in A B: pages migrated between A and B s.
moved_in() { awk -v a="$1" -v b="$2" '$1 <= a { x = $2 } $1 <= b { y = $2 } END { print y - x }' "$moved"; }
field() { echo "$1" | sed -n "s/.* $2=\([0-9.]*\).*/\1/p"; }

# phases NAME [KEY: VALUE]...: one run, the policy with the tiering keys
# given; with SPIN_CPU set, a busy loop shares that CPU.
phases() {
    name=$1
    shift
    out=$TMPDIR/$name.out moved=$TMPDIR/$name.moved json=$TMPDIR/$name.json
    echo "--- $name"
    sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-tier -p $period -s $set_mib -c $set_mib -d $((3 * period)) -i 1" >"$out" &
    wl=$!
    spin=
    if [ -n "${SPIN_CPU:-}" ]; then
        taskset -c "$SPIN_CPU" sh -c 'while :; do :; done' &
        spin=$!
    fi
    wait_for "$out" '^# wl-tier' 60 || fail "$name: workload did not start"
    t0=$(uptime_s)
    total=$(node_mem 0 MemTotal)
    used=$((total - $(node_mem 0 MemFree)))
    # 6 MiB under the use now: a set promoted (16 MiB) puts node 0 above
    # the goal by more than a set, so the set no longer written goes whole.
    goal=$(((used - (6 << 20)) * 100 / total))
    echo "node 0: $((used >> 20)) of $((total >> 20)) MiB used; goal $goal %"
    rm -rf "$TMPDIR/policy.d"
    wl_policy "$TMPDIR" wl "policy: residency" "tiering: { goal_used: $goal%, cold_after: 4s$* }"
    numamigd_start "$TMPDIR"
    # The kernel's count of pages migrated, each second, by the workload's clock.
    : >"$moved"
    while kill -0 "$wl" 2>/dev/null; do
        echo "$(echo "$(uptime_s) $t0" | awk '{ printf "%.1f", $1 - $2 }') $(vmstat pgmigrate_success)" >>"$moved"
        sleep 1
    done
    wait "$wl"
    [ -z "$spin" ] || kill "$spin"
    numamigctl --json status >"$json"
    numamigd_stop
    cat "$out"
    grep -q '^# b on=' "$out" || fail "$name: wl-tier did not finish"

    for p in 1 2; do
        end=$(at $((p * period + period - 1)))
        echo "$name: phase $p ends: $end"
        check_range "$name: phase $p: its written set on node 0" "$(field "$end" local)" 0.95 1
        check_range "$name: phase $p: the other set on node 0" "$(field "$end" cold)" 0 \
            "$(awk -v p="$pages" 'BEGIN { printf "%.3f", 512 / p + 0.001 }')"
        first=$(awk -v t=$((p * period)) '/^t=/ { split($1, a, "="); if (a[2] + 0 > t && $2 ~ /local=(0\.9[5-9]|1\.0)/) { print a[2] - t; exit } }' "$out")
        echo "$name: phase $p: its set 95 % on node 0 after ${first:-never} s"
    done
    swap1=$(moved_in $((period - 1)) $((2 * period - 1)))
    swap2=$(moved_in $((2 * period - 1)) $((3 * period - 1)))
    echo "$name: pages migrated: first swap $swap1, second swap $swap2 (a set is $pages pages)"
    check_range "$name: first swap: pages migrated" "$swap1" $pages $((pages * 22 / 10))
    check_range "$name: second swap: pages migrated" "$swap2" $pages $((pages * 22 / 10))
    check_range "$name: second swap / first swap" "$(ratio "$swap2" "$swap1")" 0 1.2
    echo "$name: status: promoted $(jq .totals.promoted_pages "$json"), demoted $(jq .totals.demoted_pages "$json")"
    check_eq "$name: status: ping-pong pages" "$(jq .totals.pingpong_pages "$json")" 0
}

phases writes
NUMAMIGD_CAPDROP=sys_admin,perfmon
phases softdirty
NUMAMIGD_CAPDROP=
check_eq "softdirty: writes source" "$(jq -r .attribution.writes "$json")" unavailable
check_eq "softdirty: soft-dirty source" "$(jq -r .attribution.softdirty "$json")" live
if [ -d /sys/kernel/mm/damon/admin ]; then
    SPIN_CPU=$(expand "$(cat /sys/devices/system/node/node0/cpulist)")
    SPIN_CPU=${SPIN_CPU%% *}
    phases damon ", reads: damon"
    check_eq "damon: DAMON state" "$(jq -r .damon.state "$json")" live
    check_range "damon: snapshots read" "$(jq .damon.snapshots "$json")" 1 100000
fi
daemon_log "$TMPDIR/daemon.log"
finish
