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
# >= 95 % of both sets end on node 0. Then the first run again with the
# daemon lacking CAP_SYS_ADMIN and CAP_PERFMON, so that no perf event opens
# (Debian's perf_event_paranoid=3): the same bars, from the soft-dirty
# bits, which status must say it read.
# topo: cxl
# kernel: 6.1 6.12
# timeout: 170
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"
quiet_compaction

hot_mib=32 cold_mib=64
hot=$(((hot_mib << 20) / 4096))
far=$(far_node)
wl="-s $hot_mib -c $cold_mib -d 20 -i 1"

tier_run hot "$wl"
check_range "hot: hot set on node 0" "$(set_share hot 0 "$out")" 0.95 1
check_range "hot: cold set on node $far" "$(set_share cold "$far" "$out")" 0.95 1
check_range "hot: pages migrated / hot set" "$(ratio "$moved" "$hot")" 0 1.1

tier_run all "$wl" "tiering: { promote: all }"
check_range "all: hot set on node 0" "$(set_share hot 0 "$out")" 0.95 1
check_range "all: cold set on node 0" "$(set_share cold 0 "$out")" 0.95 1

NUMAMIGD_CAPDROP=sys_admin,perfmon
tier_run nofault "$wl"
NUMAMIGD_CAPDROP=
check_range "nofault: hot set on node 0" "$(set_share hot 0 "$out")" 0.95 1
check_range "nofault: cold set on node $far" "$(set_share cold "$far" "$out")" 0.95 1
check_range "nofault: pages migrated / hot set" "$(ratio "$moved" "$hot")" 0 1.1
check_eq "nofault: writes source" "$(jq -r .attribution.writes "$json")" unavailable
check_eq "nofault: soft-dirty source" "$(jq -r .attribution.softdirty "$json")" live
check_range "nofault: soft-dirty scans" "$(jq -r .attribution.softdirty_scans "$json")" 1 100000
daemon_log "$TMPDIR/daemon.log"
finish
