# guest-lib.sh: helpers for scenario scripts, sourced in the guest as
#     . /etc/numamig-vm/lib.sh
# (busybox sh). A scenario prints what it checks, counts failures with
# fail/check_eq, and ends with `finish`, which exits 1 if anything failed.
#
# Set by tests/vm/vm-check for every scenario:
#   VM_TOPO      topology name (2n, 4n, cxl, nomem)
#   VM_KERNEL    kernel series the group asked for (6.1, 6.12)
#   TMPDIR       a fresh directory for this scenario only
# /etc/numamig-vm/topo describes what QEMU was given (see tests/vm/run).
# shellcheck shell=sh

vm_failures=0
NODE_SYS=/sys/devices/system/node

fail() {
    echo "FAIL: $*"
    vm_failures=$((vm_failures + 1))
}

ok() {
    echo "ok: $*"
}

# check_eq WHAT GOT WANT
check_eq() {
    if [ "$2" = "$3" ]; then
        ok "$1 = '$2'"
    else
        fail "$1: got '$2', want '$3'"
    fi
}

# check_range WHAT VALUE MIN MAX: MIN <= VALUE <= MAX (decimals allowed).
check_range() {
    if awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v != "" && v + 0 >= lo + 0 && v + 0 <= hi + 0) }'; then
        ok "$1 = $2 (in [$3, $4])"
    else
        fail "$1: got '$2', want [$3, $4]"
    fi
}

# guest_processes [PGID]: every user process of the guest (pid, parent,
# group, state, name, where it waits), with the kernel stacks of group
# PGID's: what a scenario that waited too long was waiting for.
guest_processes() {
    _pg=${1:-none}
    echo "processes at $(cut -d' ' -f1 /proc/uptime) s (pid ppid pgrp state name wchan):"
    for _d in /proc/[0-9]*; do
        _st=$(cat "$_d/stat" 2>/dev/null) || continue
        # The name is in parentheses and may hold blanks: split after it.
        _nm=${_st#*(}
        _nm=${_nm%)*}
        # shellcheck disable=SC2086
        set -- ${_st##*) }
        [ "$2" = 2 ] && continue # kernel threads
        echo "  ${_d#/proc/} $2 $3 $1 $_nm $(cat "$_d/wchan" 2>/dev/null)"
        [ "$3" = "$_pg" ] && sed 's/^/      /' "$_d/stack" 2>/dev/null | head -n 8
    done
}

# wait_until SECONDS STEP CMD...: run CMD every STEP seconds until it
# succeeds; false once SECONDS have passed without it. SECONDS by the
# clock, not a count of polls: on a busy host each poll (CMD and a sleep,
# processes each) can take far longer than STEP.
wait_until() {
    _until=$(awk -v s="$1" '{ printf "%d", $1 * 10 + s * 10 }' /proc/uptime)
    _step=$2
    shift 2
    while ! "$@" 2>/dev/null; do
        [ "$(awk '{ printf "%d", $1 * 10 }' /proc/uptime)" -gt "$_until" ] && return 1
        sleep "$_step"
    done
}

# wait_for FILE ERE SECONDS: wait until FILE has a line matching ERE.
wait_for() {
    wait_until "$3" 0.1 grep -Eq -- "$2" "$1" && return 0
    echo "wait_for: no /$2/ in $1 after $3 s; it has:"
    cat "$1" 2>/dev/null
    guest_processes "$$"
    return 1
}

# field KEY TEXT: the value of KEY=value in TEXT (first occurrence).
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# Node lists of this guest, as the kernel prints them ("0-2").
nodes_online() { cat "$NODE_SYS/online"; }
nodes_with_memory() { cat "$NODE_SYS/has_memory"; }
nodes_with_cpu() { cat "$NODE_SYS/has_cpu"; }
# nodes_memory_only: the nodes with memory and no CPUs (a CXL tier), as
# words ("2"), or nothing.
nodes_memory_only() {
    _cpu=" $(expand "$(nodes_with_cpu)") "
    for _n in $(expand "$(nodes_with_memory)"); do
        case $_cpu in *" $_n "*) ;; *) printf '%s ' "$_n" ;; esac
    done
}

# expand LIST: "0-2,5" -> "0 1 2 5"
expand() {
    printf '%s\n' "$1" | tr ',' '\n' | awk -F- 'NF == 2 { for (i = $1; i <= $2; i++) printf "%d ", i; next }
        NF == 1 && $1 != "" { printf "%d ", $1 }' | sed 's/ $//'
}

# count LIST: number of blank-separated words in LIST.
count() {
    # Splitting LIST into words is the point.
    # shellcheck disable=SC2086
    set -- $1
    echo $#
}

finish() {
    if [ "$vm_failures" -gt 0 ]; then
        echo "$vm_failures check(s) failed"
        exit 1
    fi
    exit 0
}

# ---- daemon scenarios (tests/vm/scenarios/daemon-*.sh)

# ratio A B: A / B with three decimals (page counts against a working set).
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'
}

# daemon_log LOG: print the daemon's log for the test log, and fail if it
# holds an error (a failed tick, or anything it "cannot" do).
daemon_log() {
    echo "--- daemon log"
    cat "$1"
    if grep -q 'tick failed\|cannot' "$1"; then
        fail "daemon logged errors"
    fi
}

# vmstat KEY: the value of KEY in /proc/vmstat (pgmigrate_success is the
# kernel's own count of migrated pages).
vmstat() {
    awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat
}

# node_mem NODE KEY: KEY (MemTotal, MemFree, ...) of NODE's meminfo, in bytes.
node_mem() {
    awk -v k="$2:" '$3 == k { print $4 * 1024 }' "$NODE_SYS/node$1/meminfo"
}

# far_node: the first node with memory and no CPUs (a CXL tier); fails the
# scenario when there is none.
far_node() {
    _far=$(nodes_memory_only)
    [ -n "$_far" ] || fail "no CPU-less node with memory"
    echo "${_far%% *}"
}

# set_share NAME NODE FILE: the share on NODE of the pages of FILE's
# "# NAME on=N0,N1,..." line (wl-tier's count of every page of a set).
set_share() {
    sed -n "s/^# $1 on=//p" "$3" | awk -v n="$2" -F, '{ for (i = 1; i <= NF; i++) s += $i;
        printf "%.3f", s ? $(n + 1) / s : 0 }'
}

# tier_run NAME "WL-TIER ARGS" [KEY: VALUE]...: one run of wl-tier in cgroup
# /numamig.wl under a fresh numamigd whose one policy has the keys given
# (wl_policy, residency); with SPIN_CPU set, a busy loop shares that CPU.
# Sets $out (wl-tier's output), $json (the status at the end) and $moved
# (pages the kernel migrated meanwhile).
tier_run() {
    _name=$1 _args=$2
    shift 2
    rm -rf "$TMPDIR/policy.d"
    wl_policy "$TMPDIR" wl "policy: residency" "$@"
    numamigd_start "$TMPDIR"
    out=$TMPDIR/$_name.out json=$TMPDIR/$_name.json
    _spin=
    if [ -n "${SPIN_CPU:-}" ]; then
        taskset -c "$SPIN_CPU" sh -c 'while :; do :; done' &
        _spin=$!
    fi
    _before=$(vmstat pgmigrate_success)
    # shellcheck disable=SC2086 # the arguments are split on purpose
    sh -c "echo \$\$ >/sys/fs/cgroup/numamig.wl/cgroup.procs; exec wl-tier $_args" >"$out"
    moved=$(($(vmstat pgmigrate_success) - _before))
    [ -z "$_spin" ] || kill "$_spin"
    numamigctl --json status >"$json"
    numamigd_stop
    cat "$out"
    grep -q '^# cold on=' "$out" || fail "$_name: wl-tier did not finish"
    echo "$_name: pages migrated: $moved"
}

# mean_local FILE: the mean of the local= values of a workload's report.
mean_local() {
    awk -F'[ =]' '/^t=/ { s += $4; n++ } END { if (n) printf "%.3f", s / n }' "$1"
}

# maps_pages PID ERE NODE: pages on NODE over the numa_maps lines of PID
# that match ERE (N<node>= fields, as the kernel counts them).
maps_pages() {
    grep -E -- "$2" "/proc/$1/numa_maps" 2>/dev/null |
        awk -v f="N$3" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) s += kv[2] } }
            END { print s + 0 }'
}

# wl_policy DIR NAME [KEY: VALUE]...: the usual test set-up for a daemon
# scenario. Creates cgroup /numamig.NAME, an empty DIR/numamigd.yaml unless
# one exists, and DIR/policy.d/50-NAME.yaml with one policy NAME matching
# that cgroup: mode lazy, min_rss 1MiB, rate_limit unlimited (each unless
# given) plus the KEY: VALUE lines given.
wl_policy() {
    _dir=$1 _name=$2
    shift 2
    mkdir -p "$_dir/policy.d" "/sys/fs/cgroup/numamig.$_name"
    [ -f "$_dir/numamigd.yaml" ] || : >"$_dir/numamigd.yaml"
    {
        printf 'policies:\n  - name: %s\n    match: { cgroup: "/numamig.%s" }\n' "$_name" "$_name"
        for _kv in "mode: lazy" "min_rss: 1MiB" "rate_limit: unlimited"; do
            case " $* " in
            *" ${_kv%%:*}:"*) ;;
            *) echo "    $_kv" ;;
            esac
        done
        for _kv in "$@"; do
            echo "    $_kv"
        done
    } >"$_dir/policy.d/50-$_name.yaml"
}

# numamigd_start DIR: run numamigd on DIR/numamigd.yaml and DIR/policy.d,
# with its state in DIR/state, in the background, appending to
# DIR/daemon.log; sets numamigd_pid and waits until it logged "started".
# With NUMAMIGD_CAPDROP=CAP[,CAP...] it runs without those capabilities
# (vmt-capdrop), as a unit with a narrower CapabilityBoundingSet= would.
numamigd_start() {
    : >>"$1/daemon.log"
    _started=$(grep -c ' started' "$1/daemon.log")
    ${NUMAMIGD_CAPDROP:+vmt-capdrop "$NUMAMIGD_CAPDROP"} numamigd --config "$1/numamigd.yaml" --policy-dir "$1/policy.d" --state-dir "$1/state" \
        >>"$1/daemon.log" 2>&1 &
    numamigd_pid=$!
    _i=0
    while [ "$(grep -c ' started' "$1/daemon.log")" -le "$_started" ]; do
        _i=$((_i + 1))
        if [ $_i -gt 600 ] || ! kill -0 "$numamigd_pid" 2>/dev/null; then
            fail "numamigd did not start"
            cat "$1/daemon.log"
            break
        fi
        sleep 0.1
    done
}

# numamigd_stop: SIGTERM the daemon started by numamigd_start and check
# that it exits with status 0.
numamigd_stop() {
    kill -TERM "$numamigd_pid"
    wait "$numamigd_pid"
    check_eq "numamigd exit status after SIGTERM" "$?" 0
}

# stat_cpu PID: the CPU PID last ran on (/proc/PID/stat field 39), read
# after the comm's closing parenthesis: a comm may hold blanks, ')' and
# newlines.
stat_cpu() {
    tr '\n' ' ' <"/proc/$1/stat" 2>/dev/null | sed 's/.*) //' | awk '{ print $37 }'
}

# proc_on_cpu CGDIR CPU: the pid of a process of cgroup directory CGDIR
# that last ran on CPU (/proc/PID/stat field 39; CPU k is on node k in the
# test topologies), waiting up to 10 s for one; empty when there is none.
# wl-misplaced -P's processes first-touch their slices on one node and then
# move to their own CPU.
# add_user NAME ID [GROUP]: user NAME (uid = gid = ID, a group of its
# own, home /tmp) in /etc/passwd and /etc/group, and a member of GROUP
# (created with gid 990, the numamig group's, if missing). Scenarios share
# one guest and run in any order: add what is missing, and NAME to GROUP
# whatever members another scenario gave it.
add_user() {
    grep -q '^root:' /etc/passwd 2>/dev/null || echo "root:x:0:0:root:/root:/bin/sh" >>/etc/passwd
    grep -q '^root:' /etc/group 2>/dev/null || echo "root:x:0:" >>/etc/group
    grep -q "^$1:" /etc/passwd || echo "$1:x:$2:$2::/tmp:/bin/sh" >>/etc/passwd
    grep -q "^$1:" /etc/group || echo "$1:x:$2:" >>/etc/group
    if [ -n "${3:-}" ]; then
        case "$(grep "^$3:" /etc/group)" in
        "") echo "$3:x:990:$1" >>/etc/group ;;
        *[:,]"$1" | *[:,]"$1",*) ;;
        *:) sed -i "/^$3:/ s/\$/$1/" /etc/group ;;
        *) sed -i "/^$3:/ s/\$/,$1/" /etc/group ;;
        esac
    fi
    printf "passwd: files\ngroup: files\n" >/etc/nsswitch.conf
    chmod 644 /etc/passwd /etc/group /etc/nsswitch.conf
}

proc_on_cpu() {
    _i=0 _p=
    while [ -z "$_p" ] && [ $_i -lt 50 ]; do
        _p=$(for _c in $(cat "$1/cgroup.procs"); do
            [ "$(stat_cpu "$_c")" = "$2" ] && echo "$_c"
        done | tail -n 1)
        [ -n "$_p" ] || sleep 0.2
        _i=$((_i + 1))
    done
    echo "$_p"
}

# wait_jq SECONDS CMD FILTER [JQ ARGS]: until `numamigctl --json CMD`
# satisfies the jq FILTER (polled every 0.5 s, for at most SECONDS of wall
# time, each call at most 10 s: a bound for a hung daemon, not a timing the
# check relies on). On failure it says how the daemon is doing.
wait_jq() {
    _secs=$1 _cmd=$2 _filter=$3
    shift 3
    wait_until "$_secs" 0.5 jq_true "$@" && return 0
    echo "wait_jq: '$_filter' not true for '$_cmd' after $_secs s"
    daemon_state
    return 1
}
# jq_true [JQ ARGS]: wait_jq's poll of $_cmd against $_filter.
jq_true() {
    # CMD is split into the command and its argument on purpose.
    # shellcheck disable=SC2086
    timeout 10 numamigctl --json $_cmd 2>/dev/null | jq -e "$@" "$_filter" >/dev/null
}

# daemon_state: what the daemon started by numamigd_start is doing: each
# thread's state and kernel stack, and how long a status call takes.
daemon_state() {
    [ -n "${numamigd_pid:-}" ] || return 0
    for _t in /proc/"$numamigd_pid"/task/*; do
        echo "numamigd thread ${_t##*/}: $(cut -d' ' -f3 "$_t/stat" 2>/dev/null)" \
            "wchan=$(cat "$_t/wchan" 2>/dev/null)"
        sed 's/^/    /' "$_t/stack" 2>/dev/null | head -n 12
    done
    _t0=$(cut -d' ' -f1 /proc/uptime)
    timeout 10 numamigctl status >/dev/null 2>&1
    echo "numamigctl status: exit $?, in $(awk -v a="$_t0" '{ printf "%.2f", $1 - a }' /proc/uptime) s"
}

# quiet_compaction: pgmigrate_success also counts pages that compaction
# moves, and kcompactd's proactive compaction (vm.compaction_proactiveness,
# 20 by default) can move some at any time. A scenario that holds the
# counter to a volume turns it off; the old value comes back when the
# scenario exits (an EXIT trap: the scenario must not set its own).
quiet_compaction() {
    _cp=/proc/sys/vm/compaction_proactiveness
    [ -w "$_cp" ] || return 0
    quiet_compaction_was=$(cat "$_cp")
    echo 0 >"$_cp"
    trap 'echo "$quiet_compaction_was" >/proc/sys/vm/compaction_proactiveness' EXIT
}
