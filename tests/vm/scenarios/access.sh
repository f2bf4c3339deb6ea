#!/bin/sh
# access: the access store's write source (lib/access/writes.c) and the
# soft-dirty bits (lib/access/softdirty.c) on the real kernel
# (tests/vm/vmt-access.c does the checking).
#
# One process, one thread per CPU node, each writing its own slice, all
# first touched on the first node: after a soft-dirty clear, the
# page-fault rings attribute every slice's pages to its thread's node and
# none to another; the soft-dirty bits of that window hold the slices'
# pages and none of memory written only before the clear; a second window
# counts them again; a disabled event records nothing.
# topo: 2n 4n
# kernel: all
# timeout: 240
. /etc/numamig-vm/lib.sh

vmt-access threads 16 || fail "vmt-access threads"
finish
