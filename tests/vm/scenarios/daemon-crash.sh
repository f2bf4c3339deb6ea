#!/bin/sh
# daemon-crash: SIGKILL during a migration loses nothing.
#
# With kernel_numa_balancing: disable, numamigd saves the sysctl's old value
# (1) in its state directory before it writes 0. It is then SIGKILLed while
# a rate-limited migration of wl-misplaced -P is in flight (status shows
# the process busy), so it restores nothing. Then:
#   - the sysctl is still 0 and the state directory holds 1;
#   - a restarted numamigd adopts 1 (log and status say so: restore_value
#     1, adopted), finishes the job (locality >= 90 %), and moved in all
#     at most 1.05x the pages that were misplaced (pgmigrate_success: no
#     page was moved twice), with a sane status (every process tracked
#     once, the totals adding up);
#   - SIGTERM then restores 1 and removes the saved value;
#   - killed again and restarted with kernel_numa_balancing: keep, it
#     restores 1 at start.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 360
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

cg=/sys/fs/cgroup/numamig.crash
knb=/proc/sys/kernel/numa_balancing
saved=$TMPDIR/state/kernel.numa_balancing.saved
echo "kernel_numa_balancing: disable" >"$TMPDIR/numamigd.yaml"
wl_policy "$TMPDIR" crash "rate_limit: 4MiB/s"
echo 1 >"$knb"

numamigd_start "$TMPDIR"
check_eq "numa_balancing while running" "$(cat "$knb")" 0
check_eq "saved value" "$(cat "$saved" 2>/dev/null)" 1

mib=64
before=$(vmstat pgmigrate_success)
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 0 -i 1" >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 60 || fail "workload did not start"
user=$(proc_on_cpu "$cg" 1)
procs=$(wc -l <"$cg/cgroup.procs")
# 32 MiB at 4 MiB/s: a batch a tick for several ticks; kill once some
# of it has moved and most has not (or while a batch is in flight).
wait_jq 120 status 'any(.processes[]; .pid == $p and
        (.busy or (.pages_moved > 0 and .locality_pct < 80)))' --argjson p "$user" ||
    fail "no migration in flight"
kill -KILL "$numamigd_pid"
wait "$numamigd_pid" 2>/dev/null
echo "killed numamigd during a migration of pid $user"
check_eq "numa_balancing after SIGKILL (nothing restored it)" "$(cat "$knb")" 0
check_eq "saved value after SIGKILL" "$(cat "$saved" 2>/dev/null)" 1

numamigd_start "$TMPDIR"
grep -q 'did not put back 1' "$TMPDIR/daemon.log" || fail "restart did not log the adopted value"
numamigctl --json status >"$TMPDIR/s.json"
check_eq "status: restore_value" "$(jq .daemon.kernel_numa_balancing.restore_value "$TMPDIR/s.json")" 1
check_eq "status: adopted" "$(jq .daemon.kernel_numa_balancing.adopted "$TMPDIR/s.json")" true
check_eq "numa_balancing while running again" "$(cat "$knb")" 0
wait_jq 180 "explain $user" '.process.locality_pct >= 90' || fail "pid $user not brought home"
numamigctl --json status >"$TMPDIR/s.json"
numamigctl status
check_eq "status: every process tracked once" \
    "$(jq '[.processes[].pid] | unique | length' "$TMPDIR/s.json")" "$procs"
check_eq "status: per src->dst pages add up" \
    "$(jq '[.totals.migrated[].pages] | add // 0' "$TMPDIR/s.json")" \
    "$(jq .totals.pages_migrated "$TMPDIR/s.json")"
kill -TERM "$wl"
wait "$wl"
misplaced=$(((mib << 20) / 4096 / 2))
moved=$(($(vmstat pgmigrate_success) - before))
echo "pages misplaced at start: $misplaced, migrated over both runs: $moved"
check_range "pages migrated / misplaced (none moved twice)" "$(ratio "$moved" "$misplaced")" 0.9 1.05

numamigd_stop
check_eq "numa_balancing after SIGTERM" "$(cat "$knb")" 1
[ -e "$saved" ] && fail "saved value left after restoring it"

echo "--- killed again, restarted with kernel_numa_balancing: keep"
numamigd_start "$TMPDIR"
kill -KILL "$numamigd_pid"
wait "$numamigd_pid" 2>/dev/null
check_eq "numa_balancing after the second SIGKILL" "$(cat "$knb")" 0
echo "kernel_numa_balancing: keep" >"$TMPDIR/numamigd.yaml"
numamigd_start "$TMPDIR"
check_eq "numa_balancing restored at start" "$(cat "$knb")" 1
[ -e "$saved" ] && fail "saved value left after restoring it at start"
numamigd_stop
check_eq "numa_balancing after the last SIGTERM" "$(cat "$knb")" 1
echo "--- daemon log"
cat "$TMPDIR/daemon.log"
finish
