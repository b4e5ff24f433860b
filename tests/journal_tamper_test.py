#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Tamper tests for the journal: each edit, made with the sqlite3 shell on a
copy of a recorded day, must make `posintent verify` fail (exit 1) and name
the problem; erasures through `posintent erase` must keep it verifying.

usage: journal_tamper_test.py POS_HOST POSINTENT MANIFEST EVENTS
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

host, cli, manifest, events = sys.argv[1:5]
failures = []
checked = 0


def sh(db, sql):
    subprocess.run(["sqlite3", db, sql], check=True, capture_output=True, text=True)


def verify(db):
    r = subprocess.run([cli, "--db", db, "verify"], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def expect(name, db, code, words=""):
    global checked
    checked += 1
    rc, out = verify(db)
    if rc != code or words not in out:
        failures.append(f"{name}: exit {rc}, wanted {code} with {words!r}\n{out}")


with tempfile.TemporaryDirectory() as tmp:
    base = os.path.join(tmp, "day.db")
    subprocess.run([host, "--manifest", manifest, "--db", base, "--events", events,
                    "--quiet"], check=True, capture_output=True)
    # One sale with an attempt key (docs/events.md, "Attempt keys").
    keyed = [
        {"type": "sale.begin", "sale": "K1", "store": "roastery-berlin", "terminal": "T1",
         "at": "2026-11-20T18:00:00+01:00", "attempt": "9f2c41d0e7a35b86"},
        {"type": "sale.line", "sale": "K1", "line": "L1", "qty": 1, "unit_price": 1190,
         "net": 1000, "tax": 190},
        {"type": "sale.complete", "sale": "K1", "total": 1190,
         "attempt": "9f2c41d0e7a35b86"},
    ]
    r = subprocess.run([host, "--manifest", manifest, "--db", base, "--quiet"],
                       input="".join(json.dumps(e) + "\n" for e in keyed), text=True,
                       capture_output=True)
    if r.returncode != 0 or '"recorded":true' not in r.stdout:
        failures.append(f"the keyed sale: exit {r.returncode}: {r.stdout}{r.stderr}")
    sh(base, "PRAGMA wal_checkpoint(TRUNCATE)")
    expect("untouched", base, 0, "verified")

    tampers = [
        ("sale amount altered", "UPDATE sales SET net=net+1 WHERE sale='S007'", "differs"),
        ("line purpose altered", "UPDATE lines SET purpose='own_use', status='consumer'"
         " WHERE sale_id=(SELECT id FROM sales WHERE sale='S013') AND seq=1", "differs"),
        ("line deleted", "DELETE FROM lines WHERE sale_id=(SELECT id FROM sales"
         " WHERE sale='S002') AND seq=2", "differs"),
        ("line inserted", "INSERT INTO lines SELECT sale_id, 9, 'L9', sku, name, qty_milli,"
         " unit_price, net, tax, purpose, status, treatment, gift_receipt, gift_message,"
         " recipient_name, recipient_contact, tax_rate_bp, tax_code FROM lines"
         " WHERE sale_id=1 AND seq=1",
         "differs"),
        ("line tax rate added", "UPDATE lines SET tax_rate_bp=1900 WHERE sale_id="
         "(SELECT id FROM sales WHERE sale='S002') AND seq=1", "differs"),
        ("line tax code added", "UPDATE lines SET tax_code='S' WHERE sale_id="
         "(SELECT id FROM sales WHERE sale='S002') AND seq=1", "differs"),
        ("evidence verdict altered", "UPDATE evidence SET valid=1-valid WHERE id="
         "(SELECT min(id) FROM evidence)", "differs"),
        ("reseller identifier altered", "UPDATE sales SET reseller_id='DE000000000'"
         " WHERE reseller_id='DE129273398'", "differs"),
        ("void reason altered", "UPDATE voids SET reason='typo'", "void"),
        ("void deleted", "DELETE FROM voids", "void"),
        ("sale inserted without entry", "INSERT INTO sales(store,terminal,sale,began_at,"
         "day,currency,purpose,net,tax,total,treatment,reply,status) VALUES('roastery-berlin',"
         "'T9','X1','2026-11-20T12:00:00Z','2026-11-20','EUR','own_use',1,0,1,'standard',"
         "'{}','completed')", "no journal entry"),
        ("journal entry deleted", "DELETE FROM journal WHERE seq=5", "missing"),
        ("last journal entry deleted", "DELETE FROM journal WHERE seq=(SELECT max(seq)"
         " FROM journal)", "no journal entry"),
        ("journal bodies swapped", "UPDATE journal SET body=CASE seq WHEN 3 THEN"
         " (SELECT body FROM journal WHERE seq=4) ELSE (SELECT body FROM journal"
         " WHERE seq=3) END WHERE seq IN (3,4)", "altered"),
        ("journal entries reordered", "UPDATE journal SET seq=-seq WHERE seq IN (3,4);"
         " UPDATE journal SET seq=4 WHERE seq=-3; UPDATE journal SET seq=3 WHERE seq=-4",
         "chain"),
        ("journal hash rewritten", "UPDATE journal SET hash='00' || substr(hash,3)"
         " WHERE seq=7", "altered"),
        ("journal entry inserted", "UPDATE journal SET seq=seq+1000 WHERE seq>=6;"
         " UPDATE journal SET seq=seq-999 WHERE seq>=1006;"
         " INSERT INTO journal SELECT 6, at, kind, sale_id, body, pii, prev, hash"
         " FROM journal WHERE seq=5", "chain"),
        ("recipient name removed without erase", "UPDATE sales SET recipient_name=NULL"
         " WHERE recipient_name IS NOT NULL", "without an erase entry"),
        ("recipient name altered", "UPDATE lines SET recipient_name='Someone else'"
         " WHERE recipient_name IS NOT NULL", "differs from its digest"),
        ("personal value added later", "UPDATE sales SET customer_name='Anonymous no more'"
         " WHERE sale='S001'", "added after"),
        ("attempt key altered", "UPDATE sales SET attempt='00000000deadbeef'"
         " WHERE sale='K1'", "differs"),
        ("attempt key removed", "UPDATE sales SET attempt=NULL WHERE sale='K1'", "differs"),
        ("attempt key given to a sale recorded without", "UPDATE sales SET"
         " attempt='9f2c41d0e7a35b86' WHERE sale='S001'", "differs"),
        ("salt deleted", "DELETE FROM salts WHERE field='customer_name' AND sale_id="
         "(SELECT min(sale_id) FROM salts WHERE field='customer_name')", "digest"),
    ]
    for name, sql, words in tampers:
        db = os.path.join(tmp, "t.db")
        shutil.copy(base, db)
        sh(db, sql)
        expect(name, db, 1, words)

    # Erasure keeps the chain verifying and removes the data.
    db = os.path.join(tmp, "e.db")
    shutil.copy(base, db)
    r = subprocess.run([cli, "--db", db, "erase", "--recipient", "S004", "--store",
                        "roastery-berlin"], capture_output=True, text=True)
    # The sale's recipient, contact and message, and the same on its 2 lines.
    if r.returncode != 0 or "erased 9 fields on 1 sale" not in r.stdout:
        failures.append(f"erase recipient: {r.returncode} {r.stdout}{r.stderr}")
    r = subprocess.run([cli, "--db", db, "erase", "--customer", "C-AT-WIEN"],
                       capture_output=True, text=True)
    if r.returncode != 0 or "on 2 sales" not in r.stdout:
        failures.append(f"erase customer: {r.returncode} {r.stdout}{r.stderr}")
    expect("after erasures", db, 0, "verified")
    left = subprocess.run(["sqlite3", db, "SELECT count(*) FROM sales WHERE"
                           " customer_name LIKE 'Kaffeehaus%' OR recipient_name='Oma Hilde'"
                           " UNION ALL SELECT count(*) FROM lines WHERE"
                           " recipient_name IN ('Mutter Berger', 'Oma Hilde')"
                           " UNION ALL SELECT count(*) FROM sales WHERE"
                           " reseller_id='ATU13585627'"],
                          capture_output=True, text=True).stdout.split()
    if left != ["0", "0", "2"]:
        failures.append(f"after erasure, rows left: {left} (want names gone, VAT kept)")
    # ...and an erased value put back is caught.
    sh(db, "UPDATE sales SET customer_name='Kaffeehaus Wien OG' WHERE sale='S013'")
    expect("erased name restored", db, 1, "")

for f in failures:
    print("FAIL", f)
print(f"journal tamper checks: {checked} verifications")
print(f"{checked - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
