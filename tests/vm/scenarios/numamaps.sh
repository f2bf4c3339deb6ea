#!/bin/sh
# numamaps: numa_maps per-node totals, as libnumamig reads them, match the
# kernel's per-page answer (move_pages status queries) for running
# workloads: wl-interleaved (anonymous memory on every CPU node) and wl-job
# (a MAP_SHARED file mapping and a shared library, in several processes).
#
# vmt-numamaps compares every VMA of the process and the anonymous totals
# (nm_maps_totals_add) with move_pages() over the same ranges. The workloads
# are stopped (SIGSTOP) while compared, so nothing moves in between, and end
# there: the guest runs its vCPUs on one host thread, so while a workload
# keeps every vCPU busy each command the scenario starts waits for them
# (on a busy host a run hung past its time limit after its first comparison).
# topo: 2n 4n cxl
# kernel: all
# timeout: 300
. /etc/numamig-vm/lib.sh

# Base pages, as every group run gave it (the daemon-* scenarios before it
# set never), also when it runs alone: the boot's mode is always.
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

# compare_and_end WORKLOAD_OUT PID...: stop, compare each PID, end them.
compare_and_end() {
    _out=$1
    shift
    _buf=$(sed -n 's/^# .* buf=\(0x[0-9a-f]*\) .*/\1/p' "$_out")
    kill -STOP "$@"
    for _p in "$@"; do
        echo "== pid $_p (buffer $_buf) at $(cut -d' ' -f1 /proc/uptime) s"
        vmt-numamaps "$_p" "$_buf" || fail "vmt-numamaps $_p"
    done
    # SIGTERM waits for SIGCONT; the workloads exit on it with status 0.
    kill -TERM "$@"
    kill -CONT "$@"
    echo "== compared at $(cut -d' ' -f1 /proc/uptime) s"
}

# Late in a 4-node 6.1 boot, on a busy host, a workload has taken 40-80 s
# to start (and so have migrate and walk there): the waits allow for it,
# and the kernel's counters of compaction and migration are printed to
# tell what the guest did meanwhile.
counters() {
    echo "== $1 at $(cut -d' ' -f1 /proc/uptime) s: $(grep -E \
        '^(compact_stall|compact_migrate_scanned|compact_daemon_wake|pgmigrate_success|thp_fault_alloc) ' \
        /proc/vmstat | tr ' \n' '= ')"
}
counters start
wl=$TMPDIR/interleaved.out
wl-interleaved -s 16 -d 0 >"$wl" &
pid=$!
if wait_for "$wl" '^t=' 120; then
    compare_and_end "$wl" "$pid"
    # The buffer really is spread: the workload's own sample saw every CPU node.
    on=$(field on "$(grep '^t=' "$wl" | tail -n 1)")
    for n in $(expand "$(nodes_with_cpu)"); do
        c=$(echo "$on" | cut -d, -f$((n + 1)))
        check_range "sampled pages of wl-interleaved on node $n" "$c" 1 100000
    done
else
    fail "wl-interleaved did not start"
    kill "$pid"
fi
wait "$pid" || fail "wl-interleaved exit status"

job=$TMPDIR/job.out
# Two children: each spins on a vCPU until it ends, and the job reports
# only once each has streamed its slice; with one per node every vCPU of a
# 4-node guest was busy, and on a busy host the job had not reported after
# 60 s.
counters "wl-job start"
wl-job -t 2 -s 8 -d 0 -f "$TMPDIR/job.dat" >"$job" &
pid=$!
if wait_for "$job" '^t=' 120; then
    children=$(field children "$(head -n 1 "$job")")
    # shellcheck disable=SC2046
    compare_and_end "$job" "$pid" $(echo "$children" | tr ',' ' ')
else
    fail "wl-job did not start"
    kill "$pid"
fi
wait "$pid" || fail "wl-job exit status"
counters end
finish
