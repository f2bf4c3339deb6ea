#!/bin/sh
# job-migrate: manual job migration (seed 003) with libnumamig on the real
# kernel (tests/vm/vmt-job.c does the checking).
#
# wl-job with 2 children (3 processes) in a cgroup shares a 16 MiB file
# mapping and libwljob.so. vmt-job plans the job from the cgroup: the file
# must be one request for the 3 processes and the library none; a dry run
# must move nothing (pgmigrate_success delta 0); the migration to the last
# memory node must put the whole file and every process's anonymous
# memory there (numa_maps afterwards) and leave the library's text and
# rodata where they were. Then the processes of wl-misplaced -P, as a job
# given by pids, move from node 0 to that node (a relative from/to map).
# topo: 2n 4n
# kernel: all
# timeout: 240
. /etc/numamig-vm/lib.sh

if ! command -v vmt-job >/dev/null; then
    echo "SKIP: vmt-job is not in the guest (tests/vm/vm-check must list 'job' among its vmt-* checkers)"
    exit 77
fi
# One positional parameter per node with memory.
# shellcheck disable=SC2046
set -- $(expand "$(nodes_with_memory)")
[ $# -ge 2 ] || fail "fewer than two nodes with memory: $*"
for to in "$@"; do :; done  # the last one
echo "target node: $to"

cg=/sys/fs/cgroup/vmt-jobmig
out=$TMPDIR/job.out
wl-job -t 2 -s 16 -d 0 -i 1 -g "$cg" -f "$TMPDIR/job.dat" >"$out" &
pid=$!
if wait_for "$out" '^t=' 90; then
    head -n 1 "$out"
    vmt-job job /vmt-jobmig "$TMPDIR/job.dat" '*/libwljob.so' "$to" || fail "vmt-job job"
else
    fail "wl-job did not start"
fi
kill "$pid"
wait "$pid"
rmdir "$cg" || fail "cannot remove $cg"

out=$TMPDIR/misplaced.out
wl-misplaced -P -s 16 -d 0 -i 1 >"$out" &
pid=$!
if wait_for "$out" '^t=' 90; then
    head -n 1 "$out"
    vmt-job procs "$pid" 0 "$to" || fail "vmt-job procs"
else
    fail "wl-misplaced -P did not start"
fi
kill "$pid"
wait "$pid"
finish
