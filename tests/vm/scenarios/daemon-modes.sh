#!/bin/sh
# daemon-modes: SIGHUP reload (a bad configuration is rejected with
# file:line:col and the running one stays in force) and mode: advise
# (moves nothing, reports what it would move).
#
# 1. numamigd starts with a lazy policy for cgroup numamig.wl. The policy
#    file is replaced by one that switches to mode: advise but has an
#    error (dwell: 10, no unit) and an unknown key, and the daemon gets
#    SIGHUP. Its log must show both diagnostics at their file:line:col,
#    "reload failed: keeping the running configuration", and a misplaced
#    wl-misplaced -P started afterwards is still moved home by the old
#    lazy policy (locality >= 0.95, pages migrated <= 1.05 x misplaced):
#    nothing of the bad file (not even its valid mode: advise) was applied.
# 2. The file is fixed (still mode: advise), SIGHUP: "configuration
#    reloaded". The same workload again: pgmigrate_success does not move,
#    its locality stays at 1/N, and the log has would_migrate lines for
#    its processes.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 70
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

cpu_nodes=$(expand "$(nodes_with_cpu)")
n=$(count "$cpu_nodes")
mib=$((32 * n))
misplaced=$(((mib << 20) / 4096 * (n - 1) / n))
cg=/sys/fs/cgroup/numamig.wl
mkdir -p "$cg" "$TMPDIR/policy.d"
log=$TMPDIR/daemon.log
pf=$TMPDIR/policy.d/50-wl.yaml
: >"$TMPDIR/numamigd.yaml"
# policy MODE DWELL [EXTRA-LINE]
policy() {
    cat >"$pf" <<YAML
policies:
  - name: wl
    match: { cgroup: "/numamig.wl" }
    mode: $1
    dwell: $2
    min_rss: 1MiB
    rate_limit: unlimited
$3
YAML
}
policy lazy 1s
numamigd_start "$TMPDIR"

# reload: SIGHUP and wait for the outcome line after the current end of log.
reload() {
    _n=$(wc -l <"$log")
    kill -HUP "$numamigd_pid"
    _i=0
    while ! tail -n +$((_n + 1)) "$log" | grep -q 'reload failed\|configuration reloaded'; do
        _i=$((_i + 1))
        [ "$_i" -gt 100 ] && break
        sleep 0.1
    done
    tail -n +$((_n + 1)) "$log" >"$TMPDIR/reload.log"
    echo "--- log of the reload"
    cat "$TMPDIR/reload.log"
}

# run NAME: wl-misplaced -P in the policy's cgroup for 6 s; sets moved,
# procs (the workload's pids) and out.
run() {
    out=$TMPDIR/$1.out
    _b=$(vmstat pgmigrate_success)
    sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 6 -i 0.5" >"$out" &
    _w=$!
    wait_for "$out" '^t=' 20 || fail "$1: the workload did not start"
    procs=$(cat "$cg/cgroup.procs")
    wait "$_w"
    moved=$(($(vmstat pgmigrate_success) - _b))
    cat "$out"
    echo "$1: pids $(echo $procs); pages migrated: $moved (misplaced at start: $misplaced)"
}

echo "=== 1. a bad configuration on SIGHUP is rejected"
policy advise 10 "    hysteresis_time: 10s"
cat -n "$pf"
reload
check_eq "dwell error at file:line:col" \
    "$(grep -c "50-wl.yaml:5:12: error: invalid duration '10' for 'dwell'" "$TMPDIR/reload.log")" 1
check_eq "unknown key warning at file:line:col" \
    "$(grep -c "50-wl.yaml:8:5: warning: unknown key 'hysteresis_time'" "$TMPDIR/reload.log")" 1
check_eq "reload failed line" \
    "$(grep -c 'reload failed: keeping the running configuration' "$TMPDIR/reload.log")" 1
check_eq "no 'configuration reloaded'" "$(grep -c 'configuration reloaded' "$TMPDIR/reload.log")" 0
run lazy
check_range "old lazy policy: final locality" \
    "$(field local "$(grep '^t=' "$out" | tail -n 1)")" 0.95 1
check_range "old lazy policy: pages migrated / misplaced" \
    "$(ratio "$moved" "$misplaced")" 0.9 1.05

echo "=== 2. a good reload to mode: advise moves nothing and says what it would do"
policy advise 1s
reload
check_eq "configuration reloaded line" \
    "$(grep -c 'configuration reloaded: 1 policies' "$TMPDIR/reload.log")" 1
lines=$(wc -l <"$log")
run advise
check_eq "advise: pages migrated" "$moved" 0
check_range "advise: final locality (stays at 1/N)" \
    "$(field local "$(grep '^t=' "$out" | tail -n 1)")" 0 \
    "$(awk -v n="$n" 'BEGIN { printf "%.3f", 1 / n + 0.01 }')"
tail -n +$((lines + 1)) "$log" >"$TMPDIR/advise.log"
advised=0
for p in $procs; do
    c=$(grep -c "^pid $p (wl-misplaced): would_migrate ([a-z_]*) to node [0-9]*: [0-9]* of [0-9]* pages misplaced" \
        "$TMPDIR/advise.log")
    advised=$((advised + c))
done
check_range "advise: would_migrate lines for the workload's pids" "$advised" $((n - 1)) 1000
if grep -q 'move_pages\|migrate_pages\|: migrate (' "$TMPDIR/advise.log"; then
    fail "advise: the daemon logged a migration"
fi

numamigd_stop
daemon_log "$log"
finish
