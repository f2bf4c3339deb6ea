#!/bin/sh
# ctl-watch: numamigctl watch, the live view (issue 15).
#   - not on a terminal, --iterations 3 prints 3 frames and exits 0; the
#     last lists the tracked process with the locality status gives it
#     (the process is settled first: all its memory local, so the value
#     holds still between the two calls), and one line per node;
#   - on a terminal (a detached tmux pane of 80x24), the view is redrawn
#     in place: the header stays on the first line while the clock in it
#     changes, nothing scrolls into the pane's history, and no line is
#     wider than the pane; after --iterations it gives the screen back.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 120
# host-tools: jq tmux
# host-files: /usr/lib/locale/C.utf8/LC_CTYPE
. /etc/numamig-vm/lib.sh

cg=/sys/fs/cgroup/numamig.wl
wl_policy "$TMPDIR" wl
numamigd_start "$TMPDIR"
out=$TMPDIR/wl.out
# One process, one thread pinned to node 0 with its memory there: local.
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -t 1 -s 16 -d 600 -i 5" >"$out" &
wl=$!
wait_for "$out" '^# wl-misplaced pid=' 60 || fail "the workload did not start"
pid=$(sed -n 's/^# wl-misplaced pid=\([0-9]*\) .*/\1/p' "$out")
wait_jq 60 status ".processes[] | select(.pid == $pid) | .locality_pct >= 99" ||
    fail "pid $pid not tracked with its memory local"

echo "--- not on a terminal"
numamigctl watch --iterations 3 --interval 0.5 >"$TMPDIR/watch.out"
check_eq "watch: exit" "$?" 0
cat "$TMPDIR/watch.out"
check_eq "watch: frames" "$(grep -c '^numamigd ' "$TMPDIR/watch.out")" 3
want=$(numamigctl --json status |
    jq -r ".processes[] | select(.pid == $pid) | .locality_pct | \"\(. * 10 | round / 10)%\"")
got=$(awk -v p="$pid" '$1 == p { l = $3 } END { print l }' "$TMPDIR/watch.out")
# jq drops a trailing .0: compare as numbers.
check_eq "watch: locality of pid $pid (last frame) = status" \
    "$(awk -v a="${got%\%}" -v b="${want%\%}" 'BEGIN { print (a + 0 == b + 0) ? "same" : a " vs " b }')" same
check_eq "watch: node lines (last frame)" \
    "$(awk '/^numamigd /{ n = 0 } /^ *[0-9]+ +[0-9]+ +[0-9.]+[KMG]iB\// { n++ } END { print n }' "$TMPDIR/watch.out")" \
    "$(count "$(expand "$(nodes_online)")")"

echo "--- on a terminal (tmux)"
# tmux wants a UTF-8 locale: C.UTF-8's character classes (host-files).
export TMUX_TMPDIR=$TMPDIR
tmux new-session -d -s w -x 80 -y 24 "numamigctl watch --interval 1 --iterations 6; sleep 30"
sleep 1.5
tmux capture-pane -p -t w >"$TMPDIR/screen1"
sleep 2.2
tmux capture-pane -p -t w >"$TMPDIR/screen2"
cat "$TMPDIR/screen2"
for s in 1 2; do
    head -n 1 "$TMPDIR/screen$s" | grep -q '^numamigd ' ||
        fail "screen $s: the header is not on the first line"
    check_range "screen $s: widest line" \
        "$(awk '{ if (length > w) w = length } END { print w + 0 }' "$TMPDIR/screen$s")" 1 80
done
[ "$(head -n 1 "$TMPDIR/screen1")" != "$(head -n 1 "$TMPDIR/screen2")" ] ||
    fail "the header (and its clock) did not change: not redrawn"
check_eq "pane history (lines scrolled off)" "$(tmux display -p -t w '#{history_size}')" 0
grep -q "^ *$pid " "$TMPDIR/screen2" || fail "pid $pid not on the screen"
# After its frames it leaves the alternate screen: the view is gone.
wait_i=0
while tmux capture-pane -p -t w | grep -q '^numamigd ' && [ $wait_i -lt 100 ]; do
    sleep 0.1
    wait_i=$((wait_i + 1))
done
tmux capture-pane -p -t w | grep -q '^numamigd ' && fail "the screen was not given back"
tmux kill-server

kill "$wl"
wait "$wl"
numamigd_stop
daemon_log "$TMPDIR/daemon.log"
finish
