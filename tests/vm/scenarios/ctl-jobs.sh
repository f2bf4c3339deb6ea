#!/bin/sh
# ctl-jobs: long operator migrations are daemon jobs (issue 15).
#
# The job: a busy multi-threaded process (wl-misplaced, one thread per
# node writing its slice all along) with 256 MiB first touched on node 0.
#   1. numamigctl migrate PID --to LAST (not on a terminal) exits 0 with
#      its summary, after progress lines on stderr ("job N: running ...",
#      at least the first one), however long the move takes: no client
#      timeout. Its pages are on the target (the reply and the job agree).
#   2. migrate --to 0 --no-wait prints the job's id and returns at once;
#      numamigctl jobs shows it running; cancel stops it mid-way (pages
#      moved, fewer than all), and the job then says cancelled, by whom,
#      and how many pages moved.
#   3. a client killed mid-job leaves the job running: jobs shows it
#      go on to done, with every page moved.
# Timings are bounds for a hung daemon, never the thing checked.
# topo: 2n 4n
# kernel: 6.1 6.12
# timeout: 600
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

mib=256
pages=$(((mib << 20) / 4096))
last=$(expand "$(nodes_with_cpu)" | tr ' ' '\n' | tail -n 1)

mkdir -p "$TMPDIR/policy.d"
: >"$TMPDIR/numamigd.yaml" # no policy: only the operator moves pages
numamigd_start "$TMPDIR"

out=$TMPDIR/wl.out
wl-misplaced -s "$mib" -d 3600 -i 5 >"$out" &
wl=$!
wait_for "$out" '^# wl-misplaced pid=' 120 || fail "wl-misplaced did not start"
pid=$(sed -n 's/^# wl-misplaced pid=\([0-9]*\) .*/\1/p' "$out")
buf=$(sed -n 's/^# .* buf=\(0x[0-9a-f]*\).*/\1/p' "$out" | head -n 1)
echo "workload pid $pid, buffer $buf, $pages pages, target node $last"

# on_node NODE: pages of the buffer's VMA on NODE (numa_maps).
on_node() {
    maps_pages "$pid" "^${buf#0x} " "$1"
}

echo "--- 1. migrate, waiting, not on a terminal"
numamigctl migrate "$pid" --to "$last" >"$TMPDIR/m1.out" 2>"$TMPDIR/m1.err"
check_eq "migrate: exit" "$?" 0
cat "$TMPDIR/m1.err"
cat "$TMPDIR/m1.out"
grep -q '^job [0-9]*: ' "$TMPDIR/m1.err" || fail "migrate: no progress line"
grep -q 'moved' "$TMPDIR/m1.out" || fail "migrate: no summary"
numamigctl --json jobs >"$TMPDIR/jobs1.json"
id1=$(jq '.jobs[0].id' "$TMPDIR/jobs1.json")
check_eq "job 1: state" "$(jq -r '.jobs[0].state' "$TMPDIR/jobs1.json")" done
check_range "job 1: pages moved" "$(jq '.jobs[0].moved' "$TMPDIR/jobs1.json")" \
    $((pages * 9 / 10)) $((pages * 2))
check_range "job 1: buffer pages on node $last" "$(on_node "$last")" $((pages * 9 / 10)) "$pages"

echo "--- 2. --no-wait, jobs, cancel"
numamigctl migrate "$pid" --to 0 --no-wait >"$TMPDIR/m2.out" 2>&1
check_eq "migrate --no-wait: exit" "$?" 0
cat "$TMPDIR/m2.out"
id2=$(sed -n 's/^job \([0-9]*\) .*/\1/p' "$TMPDIR/m2.out")
check_range "--no-wait: a new job id" "$id2" $((id1 + 1)) $((id1 + 1))
wait_jq 300 jobs ".jobs[] | select(.id == $id2) | .moved > 0" ||
    fail "job $id2 moved nothing"
numamigctl jobs
numamigctl cancel "$id2"
check_eq "cancel: exit" "$?" 0
wait_jq 120 jobs ".jobs[] | select(.id == $id2) | .state == \"cancelled\"" ||
    fail "job $id2 not cancelled"
numamigctl --json jobs >"$TMPDIR/jobs2.json"
numamigctl jobs
j2=".jobs[] | select(.id == $id2)"
moved2=$(jq "$j2 | .moved" "$TMPDIR/jobs2.json")
check_range "cancelled job: pages moved before the cancel" "$moved2" 1 $((pages - 1))
jq -r "$j2 | .cancelled_by" "$TMPDIR/jobs2.json" | grep -q '(uid 0, pid [0-9]*)' ||
    fail "cancelled job: cancelled_by does not name uid 0"
numamigctl cancel "$id2" 2>"$TMPDIR/cancel.err"
check_eq "cancel of an ended job: exit" "$?" 1
grep -q 'NoSuchJob' "$TMPDIR/cancel.err" || fail "cancel of an ended job: not NoSuchJob"

echo "--- 3. a client killed mid-job"
numamigctl migrate "$pid" --to 0 >"$TMPDIR/m3.out" 2>"$TMPDIR/m3.err" &
client=$!
wait_jq 300 jobs '.jobs[0] | .moved > 0 and .state == "running"' ||
    fail "job 3 did not start moving"
kill -KILL "$client"
wait "$client" 2>/dev/null
id3=$(numamigctl --json jobs | jq '.jobs[0].id')
check_eq "job 3: after job 2" "$id3" $((id2 + 1))
wait_jq 600 jobs ".jobs[] | select(.id == $id3) | .state == \"done\"" ||
    fail "job $id3 did not finish after its client was killed"
numamigctl jobs
check_range "job 3: buffer pages on node 0" "$(on_node 0)" $((pages * 9 / 10)) "$pages"

kill "$wl"
wait "$wl"
numamigd_stop
daemon_log "$TMPDIR/daemon.log"
finish
