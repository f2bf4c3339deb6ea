#!/bin/sh
# check-api: the installed libnumamig is a deliberate API. Its shared
# object exports at most 40 functions; they are exactly those that
# lib/libnumamig.sym names and debian/libnumamig0.symbols records, each is
# declared in a header Makefile.am installs, and each installed header
# compiles on its own with only the other installed headers at hand.
#
# Runs in the build tree with top_srcdir set, after make. Exit 0 and
# "api: OK", or 1.
set -eu

if [ -z "${top_srcdir:-}" ]; then
	echo "api: top_srcdir must be set (AM_TESTS_ENVIRONMENT)"
	exit 1
fi
so=lib/.libs/libnumamig.so
[ -f "$so" ] || { echo "api: FAIL: no $so (run make first)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-api.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
bad() {
	echo "api: FAIL: $*"
	fail=1
}

# The version node is an absolute symbol (A): not a function.
nm -D --defined-only "$so" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort >"$tmp/exported"
sed -n 's/^[[:space:]]*\(nm_[a-z0-9_]*\);.*/\1/p' "$top_srcdir/lib/libnumamig.sym" | sort >"$tmp/script"
sed -n 's/^ \(nm_[a-z0-9_]*\)@.*/\1/p' "$top_srcdir/debian/libnumamig0.symbols" | sort >"$tmp/symbols"
n=$(wc -l <"$tmp/exported")
[ "$n" -le 40 ] || bad "$n symbols exported (at most 40)"
cmp -s "$tmp/exported" "$tmp/script" ||
	bad "exported and lib/libnumamig.sym differ: $(diff "$tmp/exported" "$tmp/script" | grep '^[<>]' | tr '\n' ' ')"
cmp -s "$tmp/exported" "$tmp/symbols" ||
	bad "exported and debian/libnumamig0.symbols differ: $(diff "$tmp/exported" "$tmp/symbols" | grep '^[<>]' | tr '\n' ' ')"

# The installed headers, as Makefile.am lists them.
headers=$(sed -n '/^numamiginclude_HEADERS = /,/[^\\]$/p' "$top_srcdir/Makefile.am" |
	grep -o 'lib/numamig/[a-z]*\.h')
[ -n "$headers" ] || bad "no numamiginclude_HEADERS in Makefile.am"
mkdir "$tmp/include" "$tmp/include/numamig"
for h in $headers; do
	cp "$top_srcdir/$h" "$tmp/include/numamig/"
done
while read -r sym; do
	grep -qE "\\b$sym\\b" "$tmp"/include/numamig/*.h || bad "$sym is declared in no installed header"
done <"$tmp/exported"
for h in $headers; do
	printf '#include "numamig/%s"\n' "$(basename "$h")" >"$tmp/use.c"
	${CC:-cc} -fsyntax-only -Wall -Werror -I"$tmp/include" "$tmp/use.c" 2>"$tmp/cc.log" ||
		bad "$(basename "$h") does not compile with only the installed headers: $(head -n 3 "$tmp/cc.log")"
done
[ "$fail" -eq 0 ] && echo "api: OK ($n symbols)"
exit "$fail"
