#!/bin/sh
# daemon-direct: mode direct moves a misplaced process with one
# migrate_pages() call, and (max_mapcount 1) leaves shared pages alone.
#
# wl-misplaced -P: one process per CPU node, each slice first touched on
# node 0. Under a direct policy the daemon calls migrate_pages(pid, {0},
# {home}) without CAP_SYS_NICE, so only pages mapped by that process alone
# move. Asserts: final locality >= 0.95, pages migrated <= 1.05x the
# misplaced slice pages (the few private pages around them are small), and
# libc's code, the biggest of its mappings and shared with every other
# process, keeps its node counts. (Pages of libc's data the workload has
# written are its own copies and may move.)
# topo: 2n
# kernel: 6.1 6.12
# timeout: 60
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cpu_nodes=$(expand "$(nodes_with_cpu)")
n=$(count "$cpu_nodes")
mib=$((48 * n))
cg=/sys/fs/cgroup/numamig.direct
wl_policy "$TMPDIR" direct "mode: direct"
numamigd_start "$TMPDIR"

before=$(awk '$1 == "pgmigrate_success" { print $2 }' /proc/vmstat)
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d 8 -i 0.5" \
    >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 30 || fail "workload did not start"
# The user on the last CPU node: its libc lines before any migration.
user=$(proc_on_cpu "$cg" "$(echo "$cpu_nodes" | awk '{ print $NF }')")
# libc_code PID: the node counts of PID's largest shared libc mapping.
libc_code() {
    grep 'libc.so.*mapmax=' "/proc/$1/numa_maps" |
        awk '{ s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^N[0-9]+=/) { split($i, a, "="); s += a[2] }
               print s, $0 }' | sort -n | tail -n 1 | grep -o 'N[0-9]*=[0-9]*' | tr '\n' ' '
}
libc_before=$(libc_code "$user")
wait_for "$TMPDIR/daemon.log" 'migrate_pages to node .* done' 20 ||
    fail "no direct migration finished"
libc_after=$(libc_code "$user")
wait "$wl"
after=$(awk '$1 == "pgmigrate_success" { print $2 }' /proc/vmstat)
cat "$TMPDIR/wl.out"

last=$(grep '^t=' "$TMPDIR/wl.out" | tail -n 1)
check_range "final locality" "$(field local "$last")" 0.95 1
misplaced=$(((mib << 20) / 4096 * (n - 1) / n))
moved=$((after - before))
echo "pages misplaced at start: $misplaced, pages migrated: $moved"
check_range "pages migrated / misplaced" \
    "$(ratio "$moved" "$misplaced")" 0.95 1.05
echo "libc of pid $user before: $libc_before"
echo "libc of pid $user after:  $libc_after"
[ -n "$libc_before" ] || fail "no shared libc lines in numa_maps of $user"
check_eq "libc code pages of pid $user (shared) unchanged" "$libc_after" "$libc_before"

numamigd_stop
echo "--- daemon log"
cat "$TMPDIR/daemon.log"
finish
