#!/bin/sh
# demo-guest: the guest half of tools/demo (README "Quick start"), run by
# tests/vm/vm-check in a 4-node guest. Not a test: it narrates.
#
# The shipped files are in place: conf/numamigd.yaml as
# /etc/numamigd/numamigd.yaml and conf/policy.d/40-batch.yaml.example as
# /etc/numamigd/policy.d/40-batch.yaml, so numamigd starts with its
# default paths, exactly as an operator's copy would.
#
# 1. wl-misplaced -P starts one process per CPU node in /batch.slice/demo;
#    each first-touches its slice on node 0 and then runs on its own node,
#    so 3/4 of the memory is remote. Nothing balances (numa_balancing=0).
# 2. numamigd starts; `numamigctl status` is printed as locality climbs.
# 3. A before/after table. Exit 0 if locality reached 90 %, else 1.
# topo: 4n
# kernel: 6.1
# timeout: 150
. /etc/numamig-vm/lib.sh

mib=96        # 4 x 24 MiB slices, all first touched on node 0 (192 MiB)
limit=90      # seconds numamigd gets to bring it home

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"  # 4K pages: the page counts stay exact

say() { printf '\n==== %s\n' "$*"; }
locality() { field local "$(grep '^t=' "$TMPDIR/wl.out" | tail -n 1)"; }
placement() { field on "$(grep '^t=' "$TMPDIR/wl.out" | tail -n 1)"; }
# ge A B: true when the decimal A >= B (busybox sh has integers only).
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

say "the guest: 4 NUMA nodes, one vCPU each (numamigd --print-topology)"
numamigd --print-topology

say "the policy numamigd will use (/etc/numamigd/policy.d/40-batch.yaml)"
grep -v '^#' /etc/numamigd/policy.d/40-batch.yaml | grep -v '^ *#'

cg=/sys/fs/cgroup/batch.slice/demo
mkdir -p "$cg"
say "a misplaced job in /batch.slice/demo: ${mib} MiB first touched on node 0"
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s $mib -d $((limit + 30)) -i 0.5" \
    >"$TMPDIR/wl.out" 2>&1 &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 30 || exit 1
sleep 4 # nothing balances: locality stays where first touch put it
before_loc=$(locality)
before_on=$(placement)
before_mig=$(vmstat pgmigrate_success)
echo "no balancer for 4 s: locality $before_loc, sampled pages per node $before_on"

say "systemctl start numamigd (here: numamigd with the default paths)"
numamigd >"$TMPDIR/daemon.log" 2>&1 &
daemon=$!
wait_for "$TMPDIR/daemon.log" 'started' 20 || exit 1
cat "$TMPDIR/daemon.log"
t0=$(cut -d' ' -f1 /proc/uptime)
since() { awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }'; }

t90= next_snap=0 last_snap=0
while :; do
    s=$(since)
    l=$(locality)
    if [ -z "$t90" ] && ge "$l" 0.9; then
        t90=$s
    fi
    if ge "$s" "$next_snap"; then
        say "${s} s after start: workload locality $l (numamigctl status)"
        numamigctl status
        last_snap=$s
        next_snap=$((next_snap + 8))
    fi
    ge "$l" 0.99 && break
    ge "$s" "$limit" && break
    sleep 0.5
done
sleep 1.5 # let the last batch land in the counters
if awk -v s="$(since)" -v l="$last_snap" 'BEGIN { exit !(s - l >= 4) }'; then
    say "$(since) s after start: workload locality $(locality) (numamigctl status)"
    numamigctl status
fi
after_loc=$(locality)
after_on=$(placement)
moved=$(($(vmstat pgmigrate_success) - before_mig))
cpu=$(awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$daemon/stat")

kill -TERM "$daemon" "$wl" 2>/dev/null
wait "$daemon" 2>/dev/null
wait "$wl" 2>/dev/null
misplaced=$(((mib << 20) / 4096 * 3 / 4))

say "before and after"
printf '%-42s %-18s %s\n' "" "before numamigd" "after" \
    "workload locality (sampled pages)" "$before_loc" "$after_loc" \
    "sampled pages on nodes 0,1,2,3" "$before_on" "$after_on" \
    "pages misplaced at start" "$misplaced" "-" \
    "pages migrated (kernel pgmigrate_success)" "-" "$moved" \
    "time to 90 % locality" "-" "${t90:-not reached} s" \
    "numamigd CPU time" "-" "$cpu s"
echo "(an emulated guest: remote memory is not slower here, so the demo shows"
echo " placement, not speed; bench/README.md compares numamigd with its peers)"
ge "$after_loc" 0.9
