#!/bin/sh
# job-range: address-range migration (seed 004) with libnumamig on the
# real kernel (tests/vm/vmt-job.c does the checking).
#
# The last process of wl-misplaced -P has its slice first-touched on node
# 0; nm_range_move() of that slice to the last memory node must report
# exactly the slice's pages moved (a status query agrees) after a dry run
# that moved nothing. Then the errno contract on a forked target: EINVAL
# for a bad range, EFAULT for an unmapped hole, ENODEV for node -1, for no
# node, and (topology nomem) for a node without memory, ESRCH for a dead
# pid.
# topo: 2n 4n nomem
# kernel: all
# timeout: 180
. /etc/numamig-vm/lib.sh

if ! command -v vmt-job >/dev/null; then
    echo "SKIP: vmt-job is not in the guest (tests/vm/vm-check must list 'job' among its vmt-* checkers)"
    exit 77
fi
# shellcheck disable=SC2046
set -- $(expand "$(nodes_with_memory)")
[ $# -ge 2 ] || fail "fewer than two nodes with memory: $*"
for to in "$@"; do :; done  # the last one
memless=
for n in $(expand "$(nodes_online)"); do
    case " $(expand "$(nodes_with_memory)") " in
    *" $n "*) ;;
    *) memless=$n ;;
    esac
done
echo "target node: $to; node without memory: ${memless:-none}"

out=$TMPDIR/misplaced.out
wl-misplaced -P -s 16 -d 0 -i 1 >"$out" &
pid=$!
if wait_for "$out" '^t=' 90; then
    head=$(head -n 1 "$out")
    echo "$head"
    vmt-job range "$pid" "$(field buf "$head")" "$(field bytes "$head")" \
        "$(field procs "$head")" "$to" || fail "vmt-job range"
else
    fail "wl-misplaced -P did not start"
fi
kill "$pid"
wait "$pid"

# Word splitting wanted: no argument when there is no such node.
# shellcheck disable=SC2086
vmt-job errno $memless || fail "vmt-job errno"
finish
