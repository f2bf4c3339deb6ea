#!/bin/sh
# errno: the error contract of migrate_pages() and move_pages() that
# numamigd's migrator relies on, on this kernel:
#   move_pages to an impossible node (possible+1, 1<<20, -1)   ENODEV
#   migrate_pages to an impossible node, or maxnode too large  EINVAL
#   both on a dead pid                                         ESRCH
#   both on root's process as uid 65534 (no CAP_SYS_PTRACE)    EPERM
#   move_pages to an online node without memory (nomem)       ENODEV
#   migrate_pages to an online node without memory (nomem)    EINVAL
#   per-page status: never-touched -ENOENT, unmapped -EFAULT,
#   zero page: an error code (not a node)
# The "observed" lines record the raw results for tests/vm/README.
# topo: all
# kernel: all
. /etc/numamig-vm/lib.sh

echo "online $(nodes_online), has_memory $(nodes_with_memory), possible $(cat "$NODE_SYS/possible")"
out=$(vmt-migrate errno) && rc=0 || rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "vmt-migrate errno (status $rc)"
if [ "$(nodes_online)" != "$(nodes_with_memory)" ]; then
    # Where a memoryless node exists, its case must have run.
    if printf '%s\n' "$out" | grep -q '^observed move_pages to online node [0-9]* without memory'; then
        ok "the memoryless-node cases ran"
    else
        fail "online nodes without memory, but no memoryless-node case ran"
    fi
fi
finish
