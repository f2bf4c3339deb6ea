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

# HMAT (the cxl topology): the memory-only node is described as slower
# memory. 6.12 builds memory tiers from that, with the memory-only node in
# a tier below the CPU nodes' (kernel tiering, numa_balancing=2 and
# demotion, acts only then); 6.1 keeps every node in one tier.
tiers=/sys/devices/virtual/memory_tiering
tier_of() {
    for _t in "$tiers"/memory_tier*; do
        case " $(expand "$(cat "$_t/nodelist")") " in
        *" $1 "*) echo "${_t##*/}"; return ;;
        esac
    done
    echo none
}
if grep -q '^hmat ' /etc/numamig-vm/topo && [ -d "$tiers" ]; then
    for n in $(expand "$(nodes_with_memory)"); do
        echo "node $n: $(tier_of "$n")"
    done
    first=$(expand "$(nodes_with_cpu)")
    first=${first%% *}
    for n in $(nodes_memory_only); do
        case $(uname -r) in
        6.1.*) ;;
        *)
            if [ "$(tier_of "$n")" != "$(tier_of "$first")" ]; then
                ok "memory-only node $n: in a tier of its own"
            else
                fail "memory-only node $n: in $(tier_of "$n") with node $first"
            fi
            ;;
        esac
    done
fi
finish
