#!/bin/sh
# bench/guest.sh: the guest side of bench/run. One boot runs one workload
# under each peer in turn (none, autonuma, numad, bind, residency, greedy;
# for tiering, W7: none, tier2, tier3, residency),
# so every peer sees the same kernel, topology and memory, and sends the
# raw results home with emit-tar. bench/report turns them into tables.
#
# bench/run writes /bench/params (sh variables):
#   WL      w1 w1t w2 w3 w3t w4 w4t w5 w6 w7    PEERS  peers to run, in order
#   MIB     working set, MiB                    SECS   workload duration, s
#   PERIOD  phase length for w3                 SHMIB  shared buffer for w1
# Per peer, /tmp/out/PEER/ gets: wl.out (the workload's own locality
# reports, every 0.5 s), track.out (bw-track: ping-pong), counters (vmstat
# deltas and the peer's CPU), status.json (numamigd), numad.log.
. /etc/numamig-vm/lib.sh
. /bench/params

OUT=/tmp/out
CG=/sys/fs/cgroup/bench.wl
mkdir -p "$OUT" "$CG" /var/log /var/run /run/numamigd
thp=/sys/kernel/mm/transparent_hugepage/enabled
# 4K pages everywhere but in W5's THP half: one move_pages() of a 4K page
# inside a huge page moves 512 pages, which would blur pages-moved counts.
[ -w "$thp" ] && echo never >"$thp"
# pgmigrate_success also counts compaction; proactive compaction off.
quiet_compaction

{
    echo "kernel=$(uname -r)"
    echo "topo=$(awk '$1 == "topo" { print $2 }' /etc/numamig-vm/topo)"
    echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
    echo "nodes=$(nodes_with_memory)"
    for n in $(expand "$(nodes_with_memory)"); do
        echo "node$n=$(awk '/MemTotal/ { print $4 }' "$NODE_SYS/node$n/meminfo")"
    done
} >"$OUT/guest"

# cpu_ticks PID: utime + stime of PID in clock ticks (fields 14, 15 of
# /proc/PID/stat, counted after the ") " that ends comm).
cpu_ticks() {
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}

# W7's goal for numamigd: node 0 as used now plus one of the workload's
# two sets (and 2 MiB of slack), so a second set promoted pushes it over
# and the set not written any more is demoted. The kernel's peers have no
# such goal: they demote only under reclaim.
tier_goal() {
    _t=$(node_mem 0 MemTotal)
    _g=$(((_t - $(node_mem 0 MemFree) + ((MIB + 2) << 20)) * 100 / _t + 1))
    echo $((_g > 100 ? 100 : _g))
}

policy_yaml() { # POLICY
    cat <<YAML
policies:
  - name: bench
    match: { cgroup: "/bench.wl" }
    mode: lazy
    policy: $1
    dwell: 1s
    hysteresis: 10s
    min_rss: 1MiB
    rate_limit: unlimited
YAML
    [ "$WL" = w7 ] && echo "    tiering: { goal_used: $(tier_goal)%, cold_after: 5s }"
    return 0
}

# peer_start PEER DIR: set the machine up for PEER; sets ppid (the peer's
# own process, if it has one).
peer_start() {
    ppid=
    echo 0 >/proc/sys/kernel/numa_balancing
    case $1 in
    autonuma) echo 1 >/proc/sys/kernel/numa_balancing ;;
    # Kernel tiering: mode 2 promotes from a lower tier on hint faults;
    # 3 adds normal balancing; demotion on reclaim when enabled.
    tier2 | tier3)
        echo "${1#tier}" >/proc/sys/kernel/numa_balancing
        echo 1 >/sys/kernel/mm/numa/demotion_enabled
        ;;
    numad)
        # -i 1:5: re-evaluate every 1-5 s instead of 5-15 s, so numad
        # gets several chances in a short run; everything else default.
        rm -f /var/log/numad.log
        numad -i 1:5 -l 7 || echo "numad did not start"
        sleep 0.5
        ppid=$(pidof numad | awk '{ print $1 }')
        ;;
    residency | greedy)
        mkdir -p "$2/policy.d"
        echo "kernel_numa_balancing: disable" >"$2/numamigd.yaml"
        policy_yaml "$1" >"$2/policy.d/50-bench.yaml"
        numamigd_start "$2"
        # shellcheck disable=SC2154 # set by numamigd_start (guest-lib.sh)
        ppid=$numamigd_pid
        ;;
    esac
}

peer_stop() { # PEER DIR
    case $1 in
    numad)
        [ -n "$ppid" ] && kill -TERM "$ppid"
        sleep 0.3
        cp /var/log/numad.log "$2/numad.log" 2>/dev/null
        ;;
    residency | greedy)
        numamigctl --json status >"$2/status.json" 2>&1
        numamigd_stop
        cp "$2/daemon.log" "$2/daemon.txt"
        rm -rf "$2/policy.d"
        ;;
    esac
    echo 0 >/proc/sys/kernel/numa_balancing
    [ -w /sys/kernel/mm/numa/demotion_enabled ] && echo 0 >/sys/kernel/mm/numa/demotion_enabled
    return 0
}

# wl_cmd PEER: the workload command line for this boot's WL.
wl_cmd() {
    common="-s $MIB -d $SECS -i 0.5"
    case $WL/$1 in
    w1/bind) echo "bw-numa01 -f bind -p $SHMIB $common" ;;
    w1/*) echo "bw-numa01 -p $SHMIB $common" ;;
    # The hard-bind reference of the process and the thread forms alike:
    # every slice bound to and touched on its user's node.
    w1t/bind | w2/bind | w4/bind | w4t/bind) echo "bw-numa01 -f bind -p 0 $common" ;;
    w1t/*) echo "wl-misplaced $common" ;;
    w2/*) echo "wl-misplaced -P $common" ;;
    # Phases: memory bound to node 0, where it is first touched anyway.
    w3/bind) echo "numactl -m 0 wl-phase -P -p $PERIOD $common" ;;
    w3/*) echo "wl-phase -P -p $PERIOD $common" ;;
    w3t/bind) echo "numactl -m 0 wl-phase -p $PERIOD $common" ;;
    w3t/*) echo "wl-phase -p $PERIOD $common" ;;
    w4/*) echo "bw-numa01 -f interleave -p 0 $common" ;;
    w4t/*) echo "wl-interleaved $common" ;;
    # Set A on node 0, set B on the CPU-less node; the thread writes A,
    # then B, then A, PERIOD s each.
    w7/*) echo "wl-tier -p $PERIOD -s $MIB -c $MIB -d $SECS -i 0.5" ;;
    esac
}

vm_counters() {
    for k in pgmigrate_success pgmigrate_fail numa_hint_faults numa_pte_updates \
        numa_pages_migrated pgpromote_success pgdemote_kswapd pgdemote_direct; do
        echo "$k $(vmstat "$k")"
    done
}

run_case() { # PEER
    peer=$1
    dir=$OUT/$peer
    mkdir -p "$dir"
    echo "=== $WL run $RUN peer $peer"
    peer_start "$peer" "$dir"
    vm_counters >"$dir/vm.before"
    c0=
    [ -n "$ppid" ] && c0=$(cpu_ticks "$ppid")
    t0=$(cut -d' ' -f1 /proc/uptime)
    # shellcheck disable=SC2046 # the command is split into words on purpose
    sh -c "echo \$\$ >$CG/cgroup.procs; exec $(wl_cmd "$peer")" >"$dir/wl.out" 2>&1 &
    wl=$!
    if wait_for "$dir/wl.out" '^t=' 120; then
        # The kernel's migration count over time, from the workload's t=0,
        # so volumes can be split into halves.
        tw=$(cut -d' ' -f1 /proc/uptime)
        (while :; do
            echo "$(awk -v a="$tw" '{ printf "%.2f", $1 - a }' /proc/uptime) $(vmstat pgmigrate_success)"
            sleep 0.5
        done) >"$dir/mig.ts" &
        ts=$!
        # The tracked RSS is only in status while the workload lives.
        case $peer in
        residency | greedy)
            (sleep "$(awk -v s="$SECS" 'BEGIN { print s * 0.8 }')"
                numamigctl --json status >"$dir/status-mid.json" 2>&1) &
            ;;
        esac
        # shellcheck disable=SC2046 # address and size: two words
        set -- $(sed -n 's/^# .* buf=\(0x[0-9a-f]*\) bytes=\([0-9]*\).*/\1 \2/p' "$dir/wl.out")
        ranges="-r ${1#0x}:$2"
        sh_addr=$(sed -n 's/.* shared=\(0x[0-9a-f]*\) shared_bytes=\([1-9][0-9]*\).*/\1:\2/p' "$dir/wl.out")
        [ -n "$sh_addr" ] && ranges="$ranges -r ${sh_addr#0x}"
        # shellcheck disable=SC2086
        bw-track -p "$wl" $ranges -n 256 -i 0.5 -w 60 >"$dir/track.out" 2>&1 &
        tr=$!
    else
        tr='' ts=
    fi
    wait "$wl"
    [ -n "$tr" ] && { kill -TERM "$tr" 2>/dev/null; wait "$tr"; }
    [ -n "$ts" ] && { kill -TERM "$ts" 2>/dev/null; wait "$ts"; }
    t1=$(cut -d' ' -f1 /proc/uptime)
    vm_counters >"$dir/vm.after"
    c1=
    [ -n "$ppid" ] && c1=$(cpu_ticks "$ppid")
    {
        echo "peer $peer"
        echo "wall_s $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
        echo "peer_cpu_ticks $([ -n "$c0" ] && [ -n "$c1" ] && echo $((c1 - c0)))"
        echo "clk_tck 100"
        echo "cmd $(wl_cmd "$peer")"
    } >"$dir/counters"
    peer_stop "$peer" "$dir"
    tail -n 2 "$dir/wl.out"
    cat "$dir/track.out" 2>/dev/null
}

# W6: an idle, already local process; what does tracking it cost?
run_idle() {
    dir=$OUT/residency
    mkdir -p "$dir"
    sh -c "echo \$\$ >$CG/cgroup.procs; exec bw-mig idle -s $MIB" >"$dir/idle.out" 2>&1 &
    idle=$!
    wait_for "$dir/idle.out" ready 120 || return 1
    bw-mig maps "$idle" 20 >"$dir/maps.out"
    peer=residency
    peer_start residency "$dir"
    c0=$(cpu_ticks "$ppid")
    sleep "$SECS"
    c1=$(cpu_ticks "$ppid")
    {
        echo "peer residency"
        echo "wall_s $SECS"
        echo "peer_cpu_ticks $((c1 - c0))"
        echo "rss_kb $(awk '/VmRSS/ { print $2 }' "/proc/$idle/status")"
    } >"$dir/counters"
    peer_stop residency "$dir"
    bw-mig maps "$idle" 20 >>"$dir/maps.out"
    kill -TERM "$idle"
    wait "$idle"
    cat "$dir/counters" "$dir/maps.out"
}

case $WL in
w5)
    # Rounds in the orders of bw-mig's balanced square, one per row (every
    # method in every position once, after every other once): report
    # takes the median of every round of every run, and judges the
    # migrator by its ratio to raw within each round, which tames a noisy
    # shared host (a round of 4K pages takes 10-15 s, of THP 5-7 s). THP
    # runs the square three times: a move of 32 huge pages takes 0.3 s,
    # and the same call timed thrice in one round varied by 10-35 % (the
    # guest's speed drifts over seconds), so one square's median ratio
    # could not tell 95 % from 90 %; the 4K moves are three times longer.
    mkdir -p "$OUT/raw"
    for row in 0 1 2 3 4 5; do
        echo never >"$thp"
        bw-mig tput -s "$MIB" -r "$row" | tee -a "$OUT/raw/tput.out"
        for _ in 1 2 3; do
            [ -w "$thp" ] && echo madvise >"$thp"
            bw-mig tput -s "$MIB" -H -r "$row" | tee -a "$OUT/raw/tput.out"
        done
    done
    echo never >"$thp"
    ;;
w6) run_idle ;;
*)
    for peer in $PEERS; do
        run_case "$peer"
    done
    ;;
esac
emit-tar "$WL-run$RUN" "$OUT"
exit 0
