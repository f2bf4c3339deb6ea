#!/bin/sh
# topology: libnumamig's topology module, and numamigd --print-topology,
# report exactly the NUMA topology QEMU was given.
#
# vmt-topology compares every nm_topo_load() fact (online, possible,
# has_cpu, has_memory, CPU -> node, node -> CPUs, the distance matrix, node
# memory) with /etc/numamig-vm/topo, which tests/vm/run wrote from the same
# values it passed to QEMU; then the daemon binary's own output is checked
# against sysfs.
# topo: all
# kernel: all
. /etc/numamig-vm/lib.sh

echo "QEMU was given:"
sed 's/^/  /' /etc/numamig-vm/topo
vmt-topology /etc/numamig-vm/topo || fail "vmt-topology found mismatches"

if out=$(numamigd --print-topology); then
    printf '%s\n' "$out"
    for f in online has_cpu has_memory; do
        check_eq "numamigd $f" "$(printf '%s\n' "$out" | sed -n "s/^$f: //p")" \
            "$(cat "$NODE_SYS/$f")"
    done
    # One row per online node; its last fields are the distance row.
    nodes=$(expand "$(nodes_online)")
    for n in $nodes; do
        row=$(printf '%s\n' "$out" | awk -v n="$n" -v k="$(count "$nodes")" \
            '$1 == n && NF > k { s = ""; for (i = NF - k + 1; i <= NF; i++) s = s (s ? " " : "") $i; print s }')
        check_eq "numamigd distances of node $n" "$row" "$(cat "$NODE_SYS/node$n/distance")"
    done
else
    fail "numamigd --print-topology failed"
fi
finish
