#!/bin/sh
# ctl-migrate: the operator's migrations through the daemon, numamigctl
# migrate (io.numamigd.Migrate, a whole job) and numamigctl move
# (io.numamigd.Move, an address range), run on the daemon's worker thread.
#
#   - a dry run of a 3-process wl-job moves nothing (pgmigrate_success
#     delta 0) and says what would be requested;
#   - migrating that job to node 1 requests its shared file once (the
#     reply's files[] and file_requests), moves pages (reply and
#     pgmigrate_success), and leaves the file on node 1 (numa_maps);
#   - moving the buffer slice of one wl-misplaced -P child to node 1
#     reports the pages moved, a dry run before it none;
#   - a move to node 7 (no such node): exit 1, MigrationFailed ENODEV;
#   - a pid that does not exist: exit 1 (move and migrate);
#   - a non-root member of the socket's group is refused both (exit 1,
#     io.numamigd.PermissionDenied);
#   - the daemon answers status meanwhile and exits cleanly.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 240
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

# A non-root operator in the socket's group (see ctl-errors.sh).
chmod 755 /
add_user ctlop 1011 numamig

mkdir -p "$TMPDIR/policy.d"
: >"$TMPDIR/numamigd.yaml"
numamigd_start "$TMPDIR"

# children PID: the child pids of PID, ascending.
children() {
    for s in /proc/[0-9]*/stat; do
        awk -v p="$1" '$4 == p { print $1 }' "$s" 2>/dev/null
    done | sort -n
}

echo "--- migrate: a 3-process wl-job"
out=$TMPDIR/job.out
wl-job -t 2 -s 16 -d 0 -i 1 -f "$TMPDIR/job.dat" >"$out" &
job=$!
wait_for "$out" '^t=' 90 || fail "wl-job did not start"
head -n 1 "$out"
line=$(head -n 1 "$out")
kids=$(field children "$line" | tr ',' ' ')
pids="$(field pid "$line") $kids"
check_eq "wl-job processes" "$(count "$pids")" 3
file_pages0=$(maps_pages "$job" job.dat 0)
echo "job.dat pages on node 0: $file_pages0"

before=$(vmstat pgmigrate_success)
# shellcheck disable=SC2086
numamigctl --json migrate $pids --to 1 --dry-run >"$TMPDIR/dry.json"
check_eq "migrate --dry-run exit" "$?" 0
check_eq "dry run: pgmigrate_success delta" "$(($(vmstat pgmigrate_success) - before))" 0
check_eq "dry run: reply says dry_run" "$(jq .dry_run "$TMPDIR/dry.json")" true
check_eq "dry run: moved" "$(jq .totals.moved "$TMPDIR/dry.json")" 0
check_range "dry run: pages that would be requested" "$(jq .totals.requested "$TMPDIR/dry.json")" 1 100000000
check_eq "dry run: processes" "$(jq '.processes | length' "$TMPDIR/dry.json")" 3

before=$(vmstat pgmigrate_success)
# shellcheck disable=SC2086
numamigctl --json migrate $pids --to 1 >"$TMPDIR/mig.json"
check_eq "migrate exit" "$?" 0
delta=$(($(vmstat pgmigrate_success) - before))
jq -M -c '.totals | {requests, file_requests, private_requests, planned_pages, done_pages, failed, procs_gone, procs_failed}' "$TMPDIR/mig.json"
jq -M -c '.files' "$TMPDIR/mig.json"
check_eq "the shared file: requests" \
    "$(jq '[.files[] | select(.path | endswith("/job.dat")) | .requests] | add' "$TMPDIR/mig.json")" 1
check_range "file_requests" "$(jq .totals.file_requests "$TMPDIR/mig.json")" 1 100
check_eq "requests = file + private" \
    "$(jq '.totals.requests == .totals.file_requests + .totals.private_requests' "$TMPDIR/mig.json")" true
done_pages=$(jq .totals.done_pages "$TMPDIR/mig.json")
check_range "pages moved (reply)" "$done_pages" 4000 100000000
check_range "pgmigrate_success delta" "$delta" "$done_pages" 100000000
check_eq "procs gone or failed" "$(jq '.totals.procs_gone + .totals.procs_failed' "$TMPDIR/mig.json")" 0
check_eq "every process done" "$(jq '[.processes[] | select(.state == "done")] | length' "$TMPDIR/mig.json")" 3
check_range "job.dat pages on node 1 (numa_maps)" "$(maps_pages "$job" job.dat 1)" 4000 4096
# shellcheck disable=SC2086
numamigctl migrate $pids --to 1 --dry-run
check_eq "migrate (table) exit" "$?" 0
kill "$job"
wait "$job"

echo "--- move: one wl-misplaced -P child's slice"
out=$TMPDIR/misplaced.out
wl-misplaced -P -s 16 -d 0 -i 1 >"$out" &
wl=$!
wait_for "$out" '^t=' 90 || fail "wl-misplaced -P did not start"
line=$(head -n 1 "$out")
echo "$line"
buf=$(field buf "$line")
# Child 0 runs on node 0 and first-touched slice 0, the first 8 MiB.
child=$(children "$wl" | head -n 1)
echo "child $child, buffer $buf"

before=$(vmstat pgmigrate_success)
numamigctl --json move "$child" "$buf" 8M 1 --dry-run >"$TMPDIR/mdry.json"
check_eq "move --dry-run exit" "$?" 0
check_eq "move dry run: pgmigrate_success delta" "$(($(vmstat pgmigrate_success) - before))" 0
check_eq "move dry run: moved" "$(jq .moved "$TMPDIR/mdry.json")" 0
check_eq "move dry run: would request" "$(jq .requested "$TMPDIR/mdry.json")" 2048

before=$(vmstat pgmigrate_success)
numamigctl --json move "$child" "$buf" 8M 1 >"$TMPDIR/move.json"
check_eq "move exit" "$?" 0
jq -M -c . "$TMPDIR/move.json"
moved=$(jq .moved "$TMPDIR/move.json")
check_range "move: pages moved (reply)" "$moved" 1900 2048
check_eq "move: moved + failed = requested" \
    "$(jq '.moved + .failed == .requested' "$TMPDIR/move.json")" true
check_range "move: pgmigrate_success delta" "$(($(vmstat pgmigrate_success) - before))" "$moved" 100000000
numamigctl move "$child" "$buf" 8M 1
check_eq "move again (table): exit" "$?" 0

echo "--- errors"
numamigctl move "$child" "$buf" 8M 7 >"$TMPDIR/e.out" 2>&1
check_eq "move to node 7: exit" "$?" 1
cat "$TMPDIR/e.out"
grep -q ENODEV "$TMPDIR/e.out" || fail "move to node 7: no ENODEV"
check_eq "move to node 7 (--json): errno" \
    "$(numamigctl --json move "$child" "$buf" 8M 7 2>/dev/null | jq -r '.error + " " + .parameters.errno')" \
    "io.numamigd.MigrationFailed ENODEV"
sh -c 'exit 0' &
gone=$!
wait "$gone"
numamigctl move "$gone" "$buf" 8M 1 >"$TMPDIR/e.out" 2>&1
check_eq "move of a gone pid: exit" "$?" 1
cat "$TMPDIR/e.out"
numamigctl migrate "$gone" --to 1 >"$TMPDIR/e.out" 2>&1
check_eq "migrate of a gone pid: exit" "$?" 1
cat "$TMPDIR/e.out"
numamigctl move "$child" "$buf" 8M >/dev/null 2>&1
check_eq "move without NODE: exit" "$?" 2
numamigctl migrate "$child" --to 0 --from 0,1 >/dev/null 2>&1
check_eq "migrate with unequal lists: exit" "$?" 2

su -s /bin/sh -c "numamigctl move $child $buf 8M 1" ctlop >"$TMPDIR/e.out" 2>&1
check_eq "non-root move: exit" "$?" 1
cat "$TMPDIR/e.out"
grep -q PermissionDenied "$TMPDIR/e.out" || fail "non-root move: no PermissionDenied"
su -s /bin/sh -c "numamigctl migrate $child --to 1" ctlop >"$TMPDIR/e.out" 2>&1
check_eq "non-root migrate: exit" "$?" 1
grep -q PermissionDenied "$TMPDIR/e.out" || fail "non-root migrate: no PermissionDenied"
su -s /bin/sh -c "numamigctl status" ctlop >/dev/null 2>&1
check_eq "non-root status still allowed: exit" "$?" 0
kill "$wl"
wait "$wl"

numamigctl status >/dev/null
check_eq "status after the migrations: exit" "$?" 0
numamigd_stop
grep -E 'migrat|move' "$TMPDIR/daemon.log"
finish
