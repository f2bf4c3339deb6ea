#!/bin/sh
# daemon-exit: a process that exits in the middle of its migration, and a
# pid reused right after, cause no crash and no action on the wrong
# process (issue 4; the migrator holds processes by pidfd).
#
# 1. wl-misplaced -P with a big slice per process, so that moving it takes
#    a few seconds. Once the daemon logged its decision for the process on
#    node 1 and the kernel has moved part of the slice (pgmigrate_success),
#    but before the "done" line, that process gets SIGKILL. The daemon
#    must log the move's end as "gone" with part of the slice moved.
# 2. Its pid is reused at once: the workload is killed whole, kernel
#    ns_last_pid is set so that a second wl-misplaced -P, of the same size
#    and with address space randomization off (so its buffer sits at the
#    same addresses), gets the dead pid for one of its processes. It runs
#    in a cgroup no policy matches, with all its memory on node 0: none of
#    its sampled pages may leave node 0 (its own on= counts),
#    pgmigrate_success must not move while it runs, and no daemon line
#    after the "gone" one may name the pid.
# 3. The daemon still works: SIGHUP logs "configuration reloaded", SIGTERM
#    makes it exit with status 0.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 60
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction
aslr=/proc/sys/kernel/randomize_va_space
aslr_was=$(cat "$aslr")
echo 0 >"$aslr"

mib=128
cg=/sys/fs/cgroup/numamig.wl
other=/sys/fs/cgroup/numamig.other
mkdir -p "$other"
log=$TMPDIR/daemon.log
wl_policy "$TMPDIR" wl
numamigd_start "$TMPDIR"

echo "=== 1. a process killed in the middle of its migration"
before=$(vmstat pgmigrate_success)
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 0 -i 1" >"$TMPDIR/w1.out" &
w1=$!
wait_for "$log" '^pid [0-9]+ \(wl-misplaced\): migrate \(' 20 || fail "no migration decision"
victim=$(sed -n 's/^pid \([0-9]*\) (wl-misplaced): migrate (.*/\1/p' "$log" | head -n 1)
# Part of the slice moved, not all of it.
i=0
while [ $(($(vmstat pgmigrate_success) - before)) -lt 1024 ] && [ "$i" -lt 100 ]; do
    i=$((i + 1))
    sleep 0.05
done
if grep -q "^pid $victim (wl-misplaced): move_pages to node [0-9]* done" "$log"; then
    fail "the migration of pid $victim finished before the kill: make the slice bigger"
fi
kill -KILL "$victim"
moved_at_kill=$(($(vmstat pgmigrate_success) - before))
echo "killed pid $victim with $moved_at_kill pages migrated"
# Kill the rest of the workload so that the dead pid is reaped and free.
echo 1 >"$cg/cgroup.kill"
wait "$w1"
i=0
while [ -e "/proc/$victim" ] && [ "$i" -lt 100 ]; do
    i=$((i + 1))
    sleep 0.05
done
[ -e "/proc/$victim" ] && fail "pid $victim was not reaped"

echo "=== 2. the pid reused by a process in an unmatched cgroup"
# The new workload's shell sets ns_last_pid itself, so that its first two
# forks (the users on node 0 and node 1) get victim-1 and victim. Until its
# set-up line is out, this shell forks nothing (builtins only) so as not
# to take those pids.
sh -c "echo $((victim - 2)) >/proc/sys/kernel/ns_last_pid; echo \$\$ >$other/cgroup.procs
    exec wl-misplaced -P -s $mib -d 0 -i 0.5" >"$TMPDIR/w2.out" &
w2=$!
while [ ! -s "$TMPDIR/w2.out" ] && kill -0 "$w2" 2>/dev/null; do :; done
wait_for "$TMPDIR/w2.out" '^t=' 20 || fail "the second workload did not start"
b2=$(vmstat pgmigrate_success)
procs2=$(cat "$other/cgroup.procs" | tr '\n' ' ')
echo "second workload: pids $procs2(victim was $victim)"
case " $procs2 " in
*" $victim "*) ok "pid $victim reused by the second workload" ;;
*) fail "pid $victim was not reused (second workload: $procs2)" ;;
esac
wait_for "$log" "^pid $victim \(wl-misplaced\): move_pages to node [0-9]+ gone" 10 ||
    fail "no 'gone' line for pid $victim"
gone=$(grep -n "^pid $victim (wl-misplaced): move_pages to node [0-9]* gone" "$log" | head -n 1)
echo "daemon: $gone"
sleep 5
moved2=$(($(vmstat pgmigrate_success) - b2))
kill -TERM "$w2"
wait "$w2"
cat "$TMPDIR/w2.out"
echo "$aslr_was" >"$aslr"

buf1=$(sed -n 's/^# wl-misplaced .*buf=\([^ ]*\).*/\1/p' "$TMPDIR/w1.out")
buf2=$(sed -n 's/^# wl-misplaced .*buf=\([^ ]*\).*/\1/p' "$TMPDIR/w2.out")
check_eq "second workload's buffer at the first one's address" "$buf2" "$buf1"
gone_n=$(echo "$gone" | sed -n 's/.*gone: \([0-9]*\) pages moved.*/\1/p')
slice=$(((mib << 20) / 4096 / 2))
check_range "pages moved before 'gone' (part of the $slice-page slice)" "$gone_n" 1 $((slice - 1))
check_eq "pages migrated while the second workload ran" "$moved2" 0
off0=$(awk '/^t=/ { sub(/.*on=/, ""); n = split($0, on, ","); for (i = 2; i <= n; i++) s += on[i] } END { print s + 0 }' \
    "$TMPDIR/w2.out")
check_eq "second workload: sampled pages off node 0, all reports" "$off0" 0
after_gone=$(tail -n +$((${gone%%:*} + 1)) "$log" | grep -c "^pid $victim ")
check_eq "daemon lines naming pid $victim after its 'gone'" "$after_gone" 0

echo "=== 3. the daemon still works"
n=$(wc -l <"$log")
kill -HUP "$numamigd_pid"
i=0
until tail -n +$((n + 1)) "$log" | grep -q 'configuration reloaded' || [ "$i" -gt 50 ]; do
    i=$((i + 1))
    sleep 0.1
done
check_eq "reload after the exits" "$(tail -n +$((n + 1)) "$log" | grep -c 'configuration reloaded')" 1
numamigd_stop
daemon_log "$log"
finish
