#!/bin/sh
# check-man: the man pages are clean under groff and document every option
# that the programs' --help prints. Runs in the build tree, where configure
# wrote the pages.
set -eu
status=0

for page in numamigd.8 numamigctl.8 numamigd.yaml.5; do
	src="man/$page"
	warnings=$(groff -man -ww -z "$src" 2>&1) || true
	if [ -n "$warnings" ]; then
		echo "FAIL: groff warnings in $page:"
		echo "$warnings"
		status=1
	fi
done

# Every long option in --help must appear in the page (as \-\-name).
for prog in daemon/numamigd ctl/numamigctl; do
	page="man/$(basename "$prog").8"
	for opt in $(./"$prog" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		escaped=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
		if ! grep -q -- "$escaped" "$page"; then
			echo "FAIL: $opt of $prog --help is missing from $page"
			status=1
		fi
	done
done
[ $status -eq 0 ] && echo "man pages: OK"
exit $status
