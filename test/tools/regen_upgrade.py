#!/usr/bin/env python3
# regen_upgrade.py - rewrite the generated middle of the 0.1.0 -> 0.2.0
# upgrade script from the difference between the released 0.1.0 install
# script and the current 0.2.0 one (run `make` first, from the top folder):
# every function, procedure or aggregate that is new or changed (as CREATE OR
# REPLACE), every new or changed policy, and every other new statement
# (grants, comments).  Tables and views are not regenerated: their changes
# are written by hand in the script's head (columns) or tail (views), which
# this keeps.  The cluster test `upgrade` checks the result against a fresh
# install.
import re
def stmts(path):
    s=open(path).read()
    out=[]; cur=[]; indollar=False
    for line in s.split('\n'):
        if not cur and (line.strip().startswith('--') or not line.strip() or line.startswith('\\echo')):
            continue
        cur.append(line)
        indollar ^= (line.count('$$') % 2 == 1)
        if not indollar and line.rstrip().endswith(';'):
            out.append('\n'.join(cur)); cur=[]
    return out
def stmts_text(s):
    import tempfile
    f=tempfile.NamedTemporaryFile('w', delete=False, suffix='.sql'); f.write(s); f.close()
    return stmts(f.name)
def key(body):
    m=re.match(r'CREATE (?:OR REPLACE )?(FUNCTION|PROCEDURE|AGGREGATE)\s+([^\s(]+)\s*\(', body)
    if m:
        head=body[:body.index(')')+1] if m.group(1)!='AGGREGATE' else body.split('\n')[0]
        return ('F', re.sub(r'\s+',' ',head))
    m=re.match(r'CREATE (?:UNLOGGED )?TABLE\s+(\S+)', body)
    if m: return ('T', m.group(1))
    m=re.match(r'CREATE VIEW\s+(\S+)', body)
    if m: return ('V', m.group(1))
    m=re.match(r'CREATE POLICY\s+(\S+)\s+ON\s+(\S+)', body)
    if m: return ('P', m.group(1)+' ON '+m.group(2))
    return ('S', re.sub(r'\s+',' ',body))
old=stmts('sql/cipred--0.1.0.sql'); new=stmts('sql/cipred--0.2.0.sql')
p='sql/cipred--0.1.0--0.2.0.sql'
up=open(p).read()
marker="-- Roles, functions, policies, grants and comments new or changed in 0.2.0\n"
tailm="\n-- guard_rules reads the rules with their declared defaults (cipred.check_guard_rules)\n"
head=up[:up.index(marker)]
tail=up[up.index(tailm):]
in_head=set(re.sub(r'\s+',' ',b) for b in stmts_text(head))
# the functions that moved to cipred_internal keep their identity: the head
# moves them (ALTER FUNCTION ... SET SCHEMA), so a statement that differs from
# 0.1.0's only by that schema is already right
def moved(t):
    return t.replace('cipred_internal.', 'cipred.')
ok={}
for b in old:
    ok[key(b)]=b
out=[]
for b in new:
    if re.sub(r'\s+',' ',b) in in_head:
        continue
    k=key(moved(b))
    kind=k[0]
    if k in ok:
        o=ok[k]
        if o==b:
            continue
        if kind=='F':
            first,_,rest=b.partition('\n')
            if moved(first)==o.partition('\n')[0] and rest==o.partition('\n')[2]:
                continue                    # moved, body unchanged
            if b.startswith('CREATE AGGREGATE'):
                if moved(b)==o:
                    continue                # its support functions moved: bound by oid
                raise SystemExit('aggregate changed, write its upgrade by hand: '+first)
        elif kind in ('S','P') and moved(b)==o:
            continue                        # triggers, grants, comments, policies follow the oid
    if kind=='F':
        out.append(re.sub(r'^CREATE (FUNCTION|PROCEDURE)', r'CREATE OR REPLACE \1', b))
    elif kind=='P':
        out.append(('DROP POLICY '+k[1]+';\n' if k in ok else '')+b)
    elif kind in ('T','V'):
        continue
    else:
        out.append(b)
body='\n\n'.join(out)+'\n'
open(p,'w').write(head+marker+body+tail)
