#!/bin/sh
# daemon-tier: memory on a CPU-less node (a CXL tier) is promoted when the
# task writes it, and only then (tiering.promote: hot, the default).
#
# wl-tier: a 32 MiB hot set and a 64 MiB cold set, both first touched on the
# CPU-less node; one thread on node 0 writes the hot set, for 20 s, under a
# lazy residency policy with the default tiering. Asserted from the
# workload's own count of every page (a status query each) and the
# kernel's pgmigrate_success:
#   - at the end >= 95 % of the hot set is on node 0,
#   - >= 95 % of the cold set is still on the CPU-less node,
#   - pages migrated <= 1.1 x the hot set (the regions that hold its first
#     and last pages may hold some of the cold set's pages too),
# and with tiering.promote: all (the cold set follows the task too) that
# >= 95 % of both sets end on node 0.
# topo: cxl
# kernel: 6.1 6.12
# timeout: 120
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

hot_mib=32 cold_mib=64
hot=$(((hot_mib << 20) / 4096))
cold=$(((cold_mib << 20) / 4096))
cg=/sys/fs/cgroup/numamig.wl
far=$(nodes_memory_only)
far=${far%% *}
[ -n "$far" ] || fail "no CPU-less node with memory"

# share LINE NODE: the share of a "# NAME on=N0,N1,..." line's pages on NODE.
share() {
    echo "$1" | awk -v n="$2" '{ sub(/.*on=/, ""); k = split($0, v, ","); for (i = 1; i <= k; i++) s += v[i];
        printf "%.3f", s ? v[n + 1] / s : 0 }'
}

# run NAME [KEY: VALUE]...: one 20 s run of wl-tier under a fresh numamigd
# with the policy keys given; sets $out and $moved.
run() {
    name=$1
    shift
    rm -rf "$TMPDIR/policy.d"
    wl_policy "$TMPDIR" wl "policy: residency" "$@"
    numamigd_start "$TMPDIR"
    out=$TMPDIR/$name.out
    before=$(vmstat pgmigrate_success)
    sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-tier -s $hot_mib -c $cold_mib -d 20 -i 1" >"$out"
    moved=$(($(vmstat pgmigrate_success) - before))
    numamigctl --json status >"$TMPDIR/$name.json"
    numamigd_stop
    cat "$out"
    grep -q '^# cold on=' "$out" || fail "$name: wl-tier did not finish"
    echo "$name: hot set $hot pages, cold set $cold pages, pages migrated: $moved"
}

run hot
check_range "hot: hot set on node 0" "$(share "$(grep '^# hot on=' "$out")" 0)" 0.95 1
check_range "hot: cold set on node $far" "$(share "$(grep '^# cold on=' "$out")" "$far")" 0.95 1
check_range "hot: pages migrated / hot set" "$(ratio "$moved" "$hot")" 0 1.1

run all "tiering: { promote: all }"
check_range "all: hot set on node 0" "$(share "$(grep '^# hot on=' "$out")" 0)" 0.95 1
check_range "all: cold set on node 0" "$(share "$(grep '^# cold on=' "$out")" 0)" 0.95 1
daemon_log "$TMPDIR/daemon.log"
finish
