#!/usr/bin/env bash
# readme.sh - every SQL block of the README runs, in order, against the
# demo's data (test/demo.sql in a fresh database): a block that errors fails
# the test.  Blocks whose info string is "sql fragment" (synopses, excerpts
# that need a server set up otherwise, e.g. with pg_cron) are skipped.
#
#   bash test/cluster/readme.sh [FILE.md]    (inside pg_virtualenv)
set -uo pipefail
cd "$(dirname "$0")/../.."
. test/lib/common.sh

DOC=${1:-README.md}
DB=cipred_readme
WORK=$(mktemp -d /tmp/cipred-readme.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

dropdb --if-exists "$DB" 2>/dev/null; createdb "$DB"
if ! cipred_psql -d "$DB" -c "CREATE EXTENSION cipred" -f test/demo.sql > "$WORK/demo.out" 2>&1; then
	tail -20 "$WORK/demo.out"
	cipred_result fail "README: the demo's data could not be loaded"
	exit 0
fi
# the roles the README's examples name
psql -X -q -d "$DB" -c "DO \$\$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alice') THEN CREATE ROLE alice LOGIN; END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bi_login') THEN CREATE ROLE bi_login LOGIN; END IF;
END \$\$" >/dev/null

# the runnable blocks, each to its own file named by its first line
python3 - "$DOC" "$WORK" <<'EOF'
import sys
doc, work = sys.argv[1], sys.argv[2]
lines = open(doc).read().split('\n')
n = 0
i = 0
while i < len(lines):
    info = lines[i].strip()
    if info.startswith('```'):
        lang = info[3:].strip()
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith('```'):
            j += 1
        if lang == 'sql':
            n += 1
            with open('%s/%04d_%d.sql' % (work, n, i + 1), 'w') as f:
                f.write('\n'.join(lines[i + 1:j]) + '\n')
        i = j + 1
    else:
        i += 1
EOF

total=0
failed=0
for f in "$WORK"/*.sql; do
	[ -e "$f" ] || continue
	total=$((total + 1))
	line=$(basename "$f" .sql | cut -d_ -f2)
	if ! psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$f" > "$WORK/out" 2>&1; then
		failed=$((failed + 1))
		echo "README line $line: $(grep -m1 -E 'ERROR' "$WORK/out")"
	fi
done
if [ "$total" -gt 0 ] && [ "$failed" -eq 0 ]; then
	cipred_result pass "README: all $total runnable SQL blocks of $DOC run against the demo's data"
else
	cipred_result fail "README: $failed of $total runnable SQL blocks of $DOC fail against the demo's data"
fi
dropdb "$DB" 2>/dev/null
exit 0
