#!/bin/sh
# walk: the act stage's one page walker (lib/act/walk.c) on the real kernel,
# through each of its users (tests/vm/vmt-walk.c does the checking).
#
# A process that exits during a move_pages() call (the checker kills it in
# the call and makes the call on the zombie, whose mm is gone: the kernel
# says EINVAL) is reported gone by the daemon's lazy walk, by the
# operator's Move, and by a Migrate of three processes, which goes on past
# it. Then 16 MiB of transparent huge pages move with one address per
# huge page, every page ending on the target.
# topo: 2n 4n
# kernel: all
# timeout: 240
. /etc/numamig-vm/lib.sh

# shellcheck disable=SC2046
set -- $(expand "$(nodes_with_memory)")
[ $# -ge 2 ] || fail "fewer than two nodes with memory: $*"
from=$1
for to in "$@"; do :; done  # the last one
vmt-walk exit "$from" "$to" || fail "vmt-walk exit"
thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo madvise >"$thp"
vmt-walk thp "$from" "$to" || fail "vmt-walk thp"
finish
