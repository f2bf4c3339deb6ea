#!/bin/sh
# ctl-errors: numamigctl's error paths and the socket's access rules.
#
#   - no daemon: exit 3;
#   - the socket is created (with its directory) as 0660, group numamig;
#   - a non-root member of numamig may read (status, explain, policy) but
#     is refused every mutating command (exit 1, io.numamigd.PermissionDenied);
#   - a non-root non-member cannot connect (exit 3), and with the socket
#     opened up to everyone (0666) the daemon itself still refuses it
#     (PermissionDenied, exit 1);
#   - a pid that does not exist or is not tracked: NoSuchProcess, exit 1,
#     and --json prints the error reply;
#   - usage errors: exit 2; options are taken after the command too
#     ("status --json", "--json status" and "status -j" print the same
#     JSON status), and every command has --help;
#   - after SIGTERM the socket is gone: exit 3.
# Users come from /etc/passwd and /etc/group written here; busybox su runs
# commands as them.
# topo: 2n
# kernel: 6.1 6.12
# timeout: 60
# host-tools: jq
. /etc/numamig-vm/lib.sh

# as USER CMD...: run numamigctl CMD as USER; prints its output, returns its status.
as() {
    _u=$1
    shift
    su -s /bin/sh -c "numamigctl $*" "$_u"
}

# The initramfs root is 0700 (mktemp -d on the host): let users in.
chmod 755 /
add_user ctlreader 1001 numamig
add_user ctlother 1002
check_eq "ctlreader's groups" "$(su -s /bin/sh -c 'id -G' ctlreader)" "1001 990"

numamigctl status >/dev/null 2>"$TMPDIR/err"
check_eq "no daemon: exit" "$?" 3
cat "$TMPDIR/err"

rm -rf /run/numamigd
mkdir -p "$TMPDIR/policy.d"
: >"$TMPDIR/numamigd.yaml"
cat >"$TMPDIR/policy.d/50-ctl.yaml" <<YAML
policies:
  - name: ctl
    match: { cgroup: "/numamig.ctl" }
YAML
numamigd --config "$TMPDIR/numamigd.yaml" --policy-dir "$TMPDIR/policy.d" \
    >"$TMPDIR/daemon.log" 2>&1 &
daemon=$!
wait_for "$TMPDIR/daemon.log" 'started' 10 || fail "numamigd did not start"
check_eq "socket directory" "$(stat -c '%a %U' /run/numamigd)" "755 root"
check_eq "socket" "$(stat -c '%a %U %G' /run/numamigd/io.numamigd)" "660 root numamig"

echo "--- a member of numamig"
as ctlreader status >"$TMPDIR/out" 2>&1
check_eq "member: status exit" "$?" 0
head -n 1 "$TMPDIR/out"
as ctlreader --json policy >/dev/null
check_eq "member: policy exit" "$?" 0
for cmd in pause resume reload "trigger 1"; do
    as ctlreader "$cmd" >"$TMPDIR/out" 2>&1
    check_eq "member: $cmd exit" "$?" 1
    grep -q 'io.numamigd.PermissionDenied' "$TMPDIR/out" || fail "member: $cmd not denied: $(cat "$TMPDIR/out")"
done
cat "$TMPDIR/out"
check_eq "still running after refused pause" "$(numamigctl --json status | jq .daemon.paused)" false

echo "--- not a member"
as ctlother status >"$TMPDIR/out" 2>&1
check_eq "non-member: status exit (socket mode)" "$?" 3
cat "$TMPDIR/out"
chmod 666 /run/numamigd/io.numamigd
as ctlother status >"$TMPDIR/out" 2>&1
check_eq "non-member, socket 0666: status exit (daemon check)" "$?" 1
cat "$TMPDIR/out"
grep -q 'io.numamigd.PermissionDenied' "$TMPDIR/out" || fail "non-member read not denied"
as ctlother pause >/dev/null 2>&1
check_eq "non-member, socket 0666: pause exit" "$?" 1
chmod 660 /run/numamigd/io.numamigd

echo "--- bad pids"
numamigctl explain 999999 2>"$TMPDIR/err"
check_eq "explain of a missing pid: exit" "$?" 1
cat "$TMPDIR/err"
grep -q 'io.numamigd.NoSuchProcess: no process 999999' "$TMPDIR/err" || fail "wrong message"
numamigctl trigger 1 2>"$TMPDIR/err"
check_eq "trigger of an untracked pid: exit" "$?" 1
cat "$TMPDIR/err"
grep -q 'not tracked' "$TMPDIR/err" || fail "wrong message for pid 1"
check_eq "--json error reply" "$(numamigctl --json explain 999999 2>/dev/null | jq -r .error)" \
    io.numamigd.NoSuchProcess

echo "--- usage"
for args in "" "bogus" "explain" "explain abc" "explain 1 2" "policy relative/path" "--nope status"; do
    # shellcheck disable=SC2086
    numamigctl $args >/dev/null 2>&1
    check_eq "numamigctl $args: exit" "$?" 2
done
numamigctl --help | grep -q 'explain PID' || fail "--help does not list explain"
# Options anywhere after the program name (issue 15): the same JSON.
for args in "status --json" "--json status" "status -j"; do
    # shellcheck disable=SC2086
    check_eq "numamigctl $args: a JSON status" \
        "$(numamigctl $args | jq -r .daemon.version)" "$(numamigd --version | awk '{print $2}')"
done
for cmd in status explain trigger pause resume reload policy migrate move jobs cancel watch; do
    numamigctl "$cmd" --help | grep -q "^Usage: numamigctl $cmd" ||
        fail "numamigctl $cmd --help: no usage"
done

kill -TERM "$daemon"
wait "$daemon"
check_eq "numamigd exit status" "$?" 0
[ -e /run/numamigd/io.numamigd ] && fail "socket left behind"
numamigctl status 2>/dev/null
check_eq "after exit: exit" "$?" 3
finish
