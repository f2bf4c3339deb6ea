#!/bin/sh
# ctl-control: the mutating commands of numamigctl do what they say.
#
#   pause    no page moves while paused (pgmigrate_success delta 0 over
#            4 s with a misplaced workload running), status says paused;
#   resume   migration starts (delta > 0, the workload's locality >= 0.9);
#   reload   a policy file with an error is refused (exit 1,
#            io.numamigd.ReloadFailed, the diagnostic printed, the config
#            hash unchanged); a good one is taken (new hash, the new value
#            visible through `policy`);
#   trigger  with dwell 1h a misplaced process is left alone (reason
#            dwell, nothing moved) until `trigger PID` moves it (a tick
#            that ended "triggered", and pages moved).
# topo: 2n
# kernel: 6.1 6.12
# timeout: 420
# host-tools: jq
. /etc/numamig-vm/lib.sh

thp=/sys/kernel/mm/transparent_hugepage/enabled
[ -w "$thp" ] && echo never >"$thp"

cg=/sys/fs/cgroup/numamig.ctl
policy() { # DWELL
    wl_policy "$TMPDIR" ctl "dwell: $1"
}
policy 1s
numamigd_start "$TMPDIR"

echo "--- pause"
numamigctl pause
check_eq "pause exit" "$?" 0
check_eq "pause reply" "$(numamigctl --json pause)" '{"was_paused":true,"paused":true}'
before=$(vmstat pgmigrate_success)
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s 64 -d 0 -i 1" >"$TMPDIR/wl.out" &
wl=$!
wait_for "$TMPDIR/wl.out" '^t=' 30 || fail "workload did not start"
sleep 4
user=$(proc_on_cpu "$cg" 1)
check_eq "pages migrated while paused (pgmigrate_success delta)" "$(($(vmstat pgmigrate_success) - before))" 0
numamigctl --json status >"$TMPDIR/s.json"
check_eq "status: paused" "$(jq .daemon.paused "$TMPDIR/s.json")" true
check_eq "status: workload tracked while paused" \
    "$(jq --argjson p "$user" '[.processes[] | select(.pid == $p)] | length' "$TMPDIR/s.json")" 1
check_eq "status: nothing migrated" "$(jq .totals.pages_migrated "$TMPDIR/s.json")" 0
numamigctl status | head -n 1

echo "--- resume"
numamigctl resume
check_eq "resume exit" "$?" 0
wait_jq 120 "explain $user" '.process.locality_pct >= 90' || fail "no migration after resume"
check_range "pgmigrate_success delta after resume" "$(($(vmstat pgmigrate_success) - before))" 1 100000000
kill -TERM "$wl"
wait "$wl"
tail -n 1 "$TMPDIR/wl.out"

echo "--- reload"
hash=$(numamigctl --json status | jq -r .daemon.config_hash)
echo "policies: [ { name: broken, mode: sideways } ]" >"$TMPDIR/policy.d/60-bad.yaml"
numamigctl reload >"$TMPDIR/r.out" 2>&1
check_eq "reload of a bad config: exit" "$?" 1
cat "$TMPDIR/r.out"
grep -q 'io.numamigd.ReloadFailed' "$TMPDIR/r.out" || fail "no ReloadFailed"
grep -q '60-bad.yaml:1:' "$TMPDIR/r.out" || fail "the diagnostic does not name the file and line"
check_eq "hash after a refused reload" "$(numamigctl --json status | jq -r .daemon.config_hash)" "$hash"
rm "$TMPDIR/policy.d/60-bad.yaml"
policy 1h
numamigctl reload
check_eq "reload exit" "$?" 0
check_eq "hash changed" "$(numamigctl --json status | jq -r ".daemon.config_hash != \"$hash\"")" true
check_eq "dwell after reload" "$(numamigctl --json policy /numamig.ctl | jq .policy.dwell_ms)" 3600000
kill -HUP "$numamigd_pid"
sleep 0.5
check_eq "SIGHUP keeps the config" "$(numamigctl --json policy | jq '.policies[0].dwell_ms')" 3600000

echo "--- trigger"
sh -c "echo \$\$ >$cg/cgroup.procs; exec wl-misplaced -P -s 64 -d 0 -i 1" >"$TMPDIR/wl2.out" &
wl=$!
wait_for "$TMPDIR/wl2.out" '^t=' 30 || fail "workload did not start"
user=$(proc_on_cpu "$cg" 1)
wait_jq 120 "explain $user" '.reasons.dwell >= 2' || fail "dwell did not hold pid $user back"
check_eq "pages moved before trigger" "$(numamigctl --json explain "$user" | jq .process.pages_moved)" 0
numamigctl explain "$user"
numamigctl trigger "$user"
check_eq "trigger exit" "$?" 0
# The triggered move may be followed by its tail (pages faulted in
# remotely meanwhile), which is then the last action: count the ticks.
wait_jq 120 "explain $user" '(.reasons.triggered // 0) >= 1 and .process.pages_moved > 0' ||
    fail "trigger did not move pid $user"
numamigctl explain "$user" | head -n 8
kill -TERM "$wl"
wait "$wl"

numamigd_stop
finish
