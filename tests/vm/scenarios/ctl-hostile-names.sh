#!/bin/sh
# ctl-hostile-names: a tenant's process name cannot forge a log line nor
# drive the operator's terminal.
#
# A tracked process is named (its comm, 15 bytes: the name of the file it
# executed) "x\n<0>FORGED\e[2J": a newline, a journal priority prefix,
# and a clear-screen sequence. numamigd migrates it, which it logs with the
# comm. Asserted: no line of the daemon's log is the forged one (the comm
# appears escaped, as x\x0a<0>FORGED\x1b[2J); `numamigctl status` and
# `explain` print no control byte; `--json` carries the name exactly
# (JSON escapes it), for scripts.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 240
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cg=/sys/fs/cgroup/numamig.names
wl_policy "$TMPDIR" names
# comm is the name of the file executed: any tenant can pick it.
name=$(printf 'x\n<0>FORGED\033[2J')
ln -s "$(command -v wl-misplaced)" "$TMPDIR/$name"
sh -c "echo \$\$ >$cg/cgroup.procs; exec \"\$0\" -P -s 32 -d 0 -i 1" "$TMPDIR/$name" \
    >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 60 || fail "workload did not start"
user=$(proc_on_cpu "$cg" 1)
check_eq "comm set" "$(od -An -c "/proc/$user/comm" | tr -s ' ' | head -n 1)" \
    " x \\n < 0 > F O R G E D 033 [ 2 J \\n"

numamigd_start "$TMPDIR"
wait_jq 120 "explain $user" '.process.pages_moved > 0' || fail "pid $user not migrated"
# The migration's log line comes when the job is reaped, a tick later.
wait_for "$TMPDIR/daemon.log" 'x\\x0a<0>FORGED.*moved' 30 >/dev/null || true
numamigd_stop

echo "--- daemon log"
cat -v "$TMPDIR/daemon.log"
check_eq "forged log lines" "$(grep -c '^<0>FORGED' "$TMPDIR/daemon.log")" 0
check_range "log lines naming the escaped comm" \
    "$(grep -cF 'x\x0a<0>FORGED\x1b[2J' "$TMPDIR/daemon.log")" 1 1000
check_eq "control bytes in the log" "$(tr -d '\n' <"$TMPDIR/daemon.log" | tr -cd '\000-\037\177' | wc -c)" 0

numamigd_start "$TMPDIR"
wait_jq 60 status 'any(.processes[]; .pid == $p)' --argjson p "$user" || fail "pid $user not tracked"
numamigctl status >"$TMPDIR/status.txt"
numamigctl explain "$user" >"$TMPDIR/explain.txt"
cat -v "$TMPDIR/status.txt" "$TMPDIR/explain.txt"
for f in status explain; do
    check_eq "control bytes in numamigctl $f" \
        "$(tr -d '\n' <"$TMPDIR/$f.txt" | tr -cd '\000-\037\177' | wc -c)" 0
    check_range "numamigctl $f names the escaped comm" \
        "$(grep -cF 'x\x0a<0>FORGED\x1b[2J' "$TMPDIR/$f.txt")" 1 100
done
check_eq "--json carries the name exactly" \
    "$(numamigctl --json explain "$user" | jq -r '.process.comm' | od -An -c | tr -s ' ' | head -n 1)" \
    " x \\n < 0 > F O R G E D 033 [ 2 J \\n"
numamigd_stop
kill -TERM "$wl"
wait "$wl"
finish
