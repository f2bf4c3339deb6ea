#!/bin/sh
# migrate: migrate_pages() and move_pages() on another process really move
# its pages, checked page by page with move_pages() status queries.
#
# For each pair of consecutive memory nodes (and back from the last to the
# first) vmt-migrate first-touches 4 MiB on SRC in a target process,
# migrate_pages() it all to DST, move_pages() the even pages back, and
# verifies the placement after each step. On cxl this moves pages to and
# from the CPU-less node 2.
# topo: 2n 4n cxl nomem
# kernel: all
. /etc/numamig-vm/lib.sh

# Word splitting wanted: one positional parameter per node.
# shellcheck disable=SC2046
set -- $(expand "$(nodes_with_memory)")
[ $# -ge 2 ] || fail "fewer than two nodes with memory: $*"
first=$1
prev=$1
shift
for n in "$@" "$first"; do
    echo "== $prev -> $n"
    vmt-migrate move "$prev" "$n" || fail "vmt-migrate move $prev $n"
    prev=$n
done
finish
