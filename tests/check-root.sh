#!/bin/sh
# check-root: numamigd --root on fixture trees. A captured guest tree
# (tests/data/2n) starts, tracks the fixture's processes, only advises
# (its pids are not live ones) and stops cleanly on SIGTERM; a tree that
# lacks a file the daemon needs is refused with a message naming the file
# and the root, and exit status 1.
#
# Runs in the build tree with top_srcdir set. Exit 0 and "root: OK", or 1.
set -eu

if [ -z "${top_srcdir:-}" ]; then
	echo "root: top_srcdir must be set (AM_TESTS_ENVIRONMENT)"
	exit 1
fi
daemon=daemon/numamigd
tree="$top_srcdir/tests/data/2n"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-root.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0

bad() {
	echo "root: FAIL: $*"
	fail=1
}

# want_refusal ROOT MESSAGE: numamigd --root ROOT exits 1 saying MESSAGE.
want_refusal() {
	if "$daemon" --root "$1" --config "$tmp/numamigd.yaml" \
		--policy-dir "$tmp/policy.d" >"$tmp/out" 2>&1; then
		bad "--root $1 started"
	elif [ $? -ne 1 ]; then
		bad "--root $1: exit status not 1"
	fi
	grep -qF -- "$2" "$tmp/out" || bad "--root $1: no '$2' in: $(cat "$tmp/out")"
}

mkdir -p "$tmp/policy.d" "$tmp/empty"
printf 'control_socket: %s/sock\n' "$tmp" >"$tmp/numamigd.yaml"
cat >"$tmp/policy.d/50-test.yaml" <<'EOF'
policies:
  - name: test
    match: { cgroup: "/numamig.test" }
    min_rss: 0
EOF

# A captured tree: two ticks, then SIGTERM.
"$daemon" --debug --root "$tree" --config "$tmp/numamigd.yaml" \
	--policy-dir "$tmp/policy.d" >"$tmp/log" 2>&1 &
pid=$!
sleep 2.5
kill -TERM "$pid"
if wait "$pid"; then
	grep -q 'started' "$tmp/log" || bad "captured tree: no 'started' in the log"
	grep -q 'pid 108 ' "$tmp/log" || bad "captured tree: pid 108 not planned"
else
	bad "captured tree: exit status $?: $(cat "$tmp/log")"
fi

# Trees missing what the engine reads first.
want_refusal "$tmp/empty" \
	"cannot start: reading the NUMA topology in sys/devices/system and proc/zoneinfo under $tmp/empty:"
mkdir -p "$tmp/nocg/proc"
cp -R "$tree/sys" "$tmp/nocg/"
cp "$tree/proc/zoneinfo" "$tmp/nocg/proc/"
want_refusal "$tmp/nocg" \
	"cannot start: finding the cgroup2 mount in proc/self/mountinfo under $tmp/nocg:"
want_refusal "$tmp/none" "cannot start: opening the root directory under $tmp/none:"

[ "$fail" -eq 0 ] && echo "root: OK"
exit "$fail"
