#!/bin/sh
# daemon-stop: SIGTERM does not wait for an operator's migration to end.
#
# The daemon's job_rate_limit is 1MiB/s, so an operator's `numamigctl
# migrate PID --to 1` of 192 MiB takes minutes instead of seconds: long
# enough to be certainly in progress when the daemon gets SIGTERM,
# whatever the host's load. The pacing, not a starved CPU, makes it slow:
# a daemon held by cpu.max ran up CPU debt in one kernel call and could
# not send its answer or progress within numamigctl's 30 s. Asserted: the daemon
# exits (status 0) with the job part done; numamigctl gets the answer
# "numamigd is stopping" (exit 1, io.numamigd.MigrationFailed, errno
# ECANCELED) with the pages moved so far; the process's memory is split
# between the nodes (the job did not run to its end).
# topo: 2n
# kernel: 6.1 6.12
# timeout: 300
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

cg=/sys/fs/cgroup/numamig.stopwl
mkdir -p "$cg"
echo "job_rate_limit: 1MiB/s" >"$TMPDIR/numamigd.yaml"
mkdir -p "$TMPDIR/policy.d"
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s 192 -d 0 -i 1" >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 60 || fail "workload did not start"
user=$(proc_on_cpu "$cg" 1)
total=$(maps_pages "$user" . 0)
echo "pid $user: $total pages on node 0"

numamigd_start "$TMPDIR"
before=$(vmstat pgmigrate_success)
numamigctl --json migrate "$user" --to 1 >"$TMPDIR/m.json" 2>"$TMPDIR/m.err" &
ctl=$!
# Under way: pages are moving.
i=0
while [ "$(vmstat pgmigrate_success)" -le "$before" ] && [ $i -lt 600 ]; do
    i=$((i + 1))
    sleep 0.1
done
[ $i -lt 600 ] || fail "the migration did not start"
kill -TERM "$numamigd_pid"
wait "$numamigd_pid"
check_eq "numamigd exit status after SIGTERM" "$?" 0
wait "$ctl"
check_eq "numamigctl migrate exit status" "$?" 1
cat "$TMPDIR/m.err" "$TMPDIR/m.json"
grep -q 'numamigd is stopping' "$TMPDIR/m.err" || fail "no 'numamigd is stopping' answer"
check_eq "error" "$(jq -r .error "$TMPDIR/m.json")" io.numamigd.MigrationFailed
check_eq "errno" "$(jq -r .parameters.errno "$TMPDIR/m.json")" ECANCELED
moved=$(jq '.parameters.totals.done_pages // 0' "$TMPDIR/m.json")
check_range "pages the reply says moved" "$moved" 1 $((total - 1))
left=$(maps_pages "$user" . 0)
echo "pid $user: $left pages still on node 0"
check_range "pages still on node 0 (the job stopped part way)" "$left" 1 $((total - 1))
kill -TERM "$wl"
wait "$wl"
echo "--- daemon log"
cat "$TMPDIR/daemon.log"
finish
