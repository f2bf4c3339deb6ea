#!/bin/sh
# check-deps: no cycle between source files, and none between the stage
# folders of lib/. A file depends on another when its object uses a
# symbol the other defines (nm); the modules of lib/, of daemon/ and of
# ctl/ must each form a DAG, and so must lib/'s folders (base, sys, config,
# track, sample, map, access, plan, act, job, engine), so that every file can be
# read, tested and replaced knowing only what is below it
# (docs/ARCHITECTURE.md). The headers of lib/ must not include each other
# in a cycle either. A cycle is printed as a path, and fails.
#
# Runs in the build tree after make (the objects must exist). Exit 0 and
# "deps: OK", or 1.
set -eu

fail=0

# Read "D MODULE NAME" (MODULE defines NAME) and "U MODULE NAME" (MODULE
# uses NAME) lines; print each cycle between modules as a path and fail.
cycles() { # GROUP
	awk -v group="$1" '
	$1 == "D" { def[$3] = $2; next }
	{ use[NR] = $2 " " $3 }
	END {
		for (i in use) {
			split(use[i], u, " ")
			d = def[u[2]]
			if (d != "" && d != u[1] && !((u[1], d) in edge)) {
				edge[u[1], d] = 1
				out[u[1]] = out[u[1]] " " d
			}
		}
		for (n in out) if (!(n in state)) dfs(n, n)
		exit bad
	}
	function dfs(n, path,   k, next_, i) {
		state[n] = 1
		k = split(out[n], next_, " ")
		for (i = 1; i <= k; i++) {
			# "in" first: a plain reference would create the entry.
			if ((next_[i] in state) && state[next_[i]] == 1) {
				printf "deps: FAIL: %s: a cycle: %s -> %s\n", group, path, next_[i]
				bad = 1
			} else if (!(next_[i] in state)) {
				dfs(next_[i], path " -> " next_[i])
			}
		}
		state[n] = 2
	}'
}

check() { # GROUP LEVEL OBJECT...: LEVEL file or folder
	group=$1
	level=$2
	shift 2
	[ -e "$1" ] || { echo "deps: FAIL: no objects for $group (run make first)"; fail=1; return; }
	for o in "$@"; do
		# The module: the source file's name, without automake's
		# prefix; or the folder it is in.
		if [ "$level" = folder ]; then
			m=$(basename "$(dirname "$o" | sed 's,/\.libs$,,')")
		else
			m=$(basename "$o" .o | sed 's/^[a-z_]*-//')
		fi
		nm -P "$o" | awk -v m="$m" '$2 ~ /^[TDBRCV]$/ { print "D", m, $1 } $2 == "U" { print "U", m, $1 }'
	done | cycles "$group" || fail=1
}

# The headers of lib/: a header "defines" itself and "uses" what it
# includes (a bare name is in its own folder).
headers() {
	for h in "$top_srcdir"/lib/*/*.h; do
		m=${h#"$top_srcdir"/lib/}
		echo "D $m $m"
		sed -n 's/^#include "\([^"]*\)".*/\1/p' "$h" | while read -r inc; do
			case $inc in
			*/*) ;;
			config.h) continue ;;
			*) inc=$(dirname "$m")/$inc ;;
			esac
			echo "U $m $inc"
		done
	done | cycles "lib's headers" || fail=1
}

# Non-PIC objects, or only PIC ones with --disable-static.
if [ -e lib/act/libnumamig_core_la-walk.o ]; then
	set -- lib/*/libnumamig_core_la-*.o
else
	set -- lib/*/.libs/libnumamig_core_la-*.o
fi
check lib file "$@"
check "lib's folders" folder "$@"
check daemon file daemon/numamigd-*.o
check ctl file ctl/numamigctl-*.o
if [ -n "${top_srcdir:-}" ]; then
	headers
else
	echo "deps: FAIL: top_srcdir must be set (AM_TESTS_ENVIRONMENT)"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "deps: OK"
exit "$fail"
