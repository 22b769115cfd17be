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
# the README's tables of cipred.fit's methods and options say what the
# method table in C (cipred.methods()) says
psql -X -q -At -d "$DB" -c "SELECT m.method || ':' || k FROM cipred.methods() m, jsonb_object_keys(m.options) k
	WHERE m.function = 'fit' UNION ALL SELECT method || ':' FROM cipred.methods() WHERE function = 'fit'" > "$WORK/methods"
if python3 - "$DOC" "$WORK/methods" <<'EOF2'
import re, sys
doc, facts = open(sys.argv[1]).read().split('\n'), open(sys.argv[2]).read().split()
methods = sorted({f.split(':')[0] for f in facts})
takes = {}
for f in facts:
    m, k = f.split(':')
    if k:
        takes.setdefault(k, set()).add(m)
def table(header):
    i = next(i for i, l in enumerate(doc) if l.replace(' ', '').startswith(header))
    rows = []
    for l in doc[i + 2:]:
        if not l.startswith('|'):
            break
        rows.append([c.strip() for c in l.strip('|').split('|')])
    return rows
listed = sorted(n for r in table('|method|forecast|intervals|') for n in re.findall(r'`(\w+)`', r[0]))
bad = []
if listed != methods:
    bad.append('methods: README %s, cipred.methods() %s' % (listed, methods))
for r in table('|option|methods|meaning'):
    who = set(methods) if r[1] == 'all' else set(re.findall(r'\w+', r[1]))
    for k in re.findall(r'`(\w+)`', r[0]):
        if takes.get(k) != who:
            bad.append('option %s: README %s, cipred.methods() %s' % (k, sorted(who), sorted(takes.get(k, ()))))
        takes.pop(k, None)
if takes:
    bad.append('options missing from the README: %s' % sorted(takes))
print('\n'.join(bad))
sys.exit(1 if bad else 0)
EOF2
then
	cipred_result pass "README: the tables of fit's methods and options match cipred.methods()"
else
	cipred_result fail "README: the tables of fit's methods and options differ from cipred.methods()"
fi
if [ "$total" -gt 0 ] && [ "$failed" -eq 0 ]; then
	cipred_result pass "README: all $total runnable SQL blocks of $DOC run against the demo's data"
else
	cipred_result fail "README: $failed of $total runnable SQL blocks of $DOC fail against the demo's data"
fi
dropdb "$DB" 2>/dev/null
exit 0
