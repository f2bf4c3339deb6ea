#!/bin/sh
# check-man-keys: numamigd.yaml(5) documents every key the config parser
# accepts, each as a bold key (".B dwell", ".BR dwell ...", "\fBdwell\fR").
#
# The keys come from the parser's own tables in lib/config/config-keys.c (every
# "const struct cfg_key cfg_*_keys[] = {" array; a row is '{ "name", ...'
# or '[CFG_P_X] = { "name", ...'). Nested keys are spelt with a dot there
# ("batch.min"), as in the page and in diagnostics. As a guard against the
# extraction silently missing rows, every key that
# "numamigd --print-config" spells out for a policy using every key must
# be among the extracted ones.
#
# Runs in the build tree with top_srcdir set. The page is man/numamigd.yaml.5
# (written by configure) or else $top_srcdir/man/numamigd.yaml.5.in;
# NUMAMIGD_YAML_MAN overrides it. Exit 0 and "man keys: OK", or 1.
set -eu

if [ -z "${top_srcdir:-}" ]; then
	echo "man keys: top_srcdir must be set (AM_TESTS_ENVIRONMENT)"
	exit 1
fi
keys_c="$top_srcdir/lib/config/config-keys.c"
fixture="$top_srcdir/tests/data/config/every-key.yaml"
daemon=daemon/numamigd

if [ -n "${NUMAMIGD_YAML_MAN:-}" ]; then
	page=$NUMAMIGD_YAML_MAN
elif [ -f man/numamigd.yaml.5 ]; then
	page=man/numamigd.yaml.5
else
	page="$top_srcdir/man/numamigd.yaml.5.in"
fi
for f in "$keys_c" "$page"; do
	if [ ! -r "$f" ]; then
		echo "man keys: cannot read $f"
		exit 1
	fi
done

# Row names of every key table: inside "cfg_*_keys[] = {" ... "};", the
# first string literal of a line that opens a row.
keys=$(sed -n '/^const struct cfg_key cfg_[a-z_]*_keys\[\] *= *{/,/^};/{
	s/^[[:space:]]*\(\[[A-Z0-9_]*\][[:space:]]*=[[:space:]]*\)\{0,1\}{[[:space:]]*"\([^"]*\)".*/\2/p
}' "$keys_c" | sort -u)

if [ -z "$keys" ]; then
	echo "man keys: no keys found in $keys_c; has the table layout changed?"
	exit 1
fi

status=0

# Cross-check against what the parser prints back, when the daemon is built.
if [ -x "$daemon" ] && [ -r "$fixture" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if ! "./$daemon" --print-config --config "$fixture" --policy-dir "$tmp" \
		>"$tmp/print" 2>"$tmp/err"; then
		echo "man keys: $daemon --print-config failed:"
		cat "$tmp/err"
		exit 1
	fi
	# Turn indentation back into dotted names: "  - name:" opens a policy
	# at level 0, its keys sit 4 deeper, mappings nest by 2.
	printed=$(awk '
		/^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
		{
			line = $0
			sub(/^  - /, "    ", line)          # first key of a policy
			match(line, /^ */); ind = RLENGTH
			if (line !~ /^ *[a-z_]+:/) next
			key = substr(line, ind + 1); sub(/:.*/, "", key)
			lvl = (ind >= 4) ? (ind - 4) / 2 : ind / 2
			path[lvl] = key
			name = path[0]
			for (i = 1; i <= lvl; i++) name = name "." path[i]
			print name
		}' "$tmp/print" | sort -u)
	for k in $printed; do
		if ! printf '%s\n' "$keys" | grep -qxF -- "$k"; then
			echo "man keys: '$k' is printed by --print-config but was not found in $keys_c (extraction broken?)"
			status=1
		fi
	done
fi

# A key counts as documented when it is bold: the first argument of .B,
# .BR or .BI, or between \fB and a font change.
for k in $keys; do
	re=$(printf '%s' "$k" | sed 's/[.[\*^$]/\\&/g; s/-/\\\\-/g')
	if grep -Eq "^\\.B[IR]?[[:space:]]+\"?$re\"?([[:space:]]|\$)" "$page" ||
	   grep -Eq "\\\\fB$re\\\\f[RPI]" "$page"; then
		continue
	fi
	echo "man keys: missing $k in $page"
	status=1
done

[ $status -eq 0 ] && echo "man keys: OK"
exit $status
