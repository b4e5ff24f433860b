#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Erasure leaves nothing (issue 10, points 6 and 8).

A pos-host till runs on a database with a store script that prints the gift
recipient and message on the receipt and keeps the recipient in the sale's
meta.  It records a 30-line whole-sale gift (96 personal fields: 4 on the
sale, 3 on each line, the meta, the receipt line), a gift by a customer
without an id, and a sale by another customer without an id.  While the
till is still running, `posintent erase` removes them (--customer ID,
--customer-name NAME, --sale SALE).  Then, the till still running:

  - every byte of the .db, -wal and -shm files is searched for every erased
    string: none may be found (before the erasure they are, so the search
    can find them);
  - totals are unchanged (report purposes, and each sale's amounts);
  - `posintent verify` passes;
  - the gift's completion, resent to the till, is answered "recorded" with a
    reply that carries none of the erased strings;
  - the till records a new sale.

Then the caps: a customer with 4,100 sales (more than the 4,096 the old
code refused) is erased whole; a sale id on two terminals is refused
without --terminal, nothing erased; a reader that keeps the checkpoint
from finishing makes erase fail loudly, and a rerun finishes it; and a
database written with journal format 1 (tests/data/journal_v1.sql) still
verifies after an erasure.

usage: erase_test.py POS_HOST POSINTENT MANIFEST V1_SQL
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

host, cli, manifest_path, v1_sql = sys.argv[1:5]
from checks import check, failures, finish


SCRIPT = r'''
-- Prints the recipient on the receipt and keeps them in the sale's meta:
-- what a store might do, and what erasure must find.
return {
  on_total = function(sale)
    if sale.gift and sale.gift.recipient_name then
      return { receipt = { "Gift message for " .. sale.gift.recipient_name .. ": " ..
                           (sale.gift.message or "") } }
    end
  end,
  on_complete = function(sale)
    if sale.gift and sale.gift.recipient_name then
      return { gift_for = sale.gift.recipient_name, wrapping = "blue" }
    end
  end,
}
'''

GIFT = {"customer": "Kasimir Quarkbrot", "recipient": "Oma Hildegard Zwiebelkuchen",
        "contact": "hildegard.zwiebel@example.org",
        "message": "Alles Gute zum neunzigsten Geburtstag"}
NOID = {"customer": "Bertholdine Ohnekundennummer", "recipient": "Cousin Ottokar Nirgendwo",
        "message": "Fuer Ottokar mit Gruessen"}
BYSALE = {"customer": "Friedegund Kassenbonova"}
# A void's reason is free text that cashiers fill with the customer's name
# (review 2, finding 6): erased with the sale's personal data.
VOIDED = {"customer": "Anna Kowalczykowa",
          "reason": "refund: Anna Kowalczykowa, Hauptstr. 5, returned it"}
OPEN_VOID = "Ludmilla Abbruchkowa walked out"
ERASED = [GIFT["customer"], GIFT["recipient"], GIFT["contact"], GIFT["message"],
          NOID["customer"], NOID["recipient"], NOID["message"], BYSALE["customer"],
          "Zwiebelkuchen", "Ottokar", VOIDED["reason"], "Kowalczykowa", "Hauptstr. 5",
          "Abbruchkowa"]
KEPT_BUSINESS = "DE129273398"


class Till:
    """A pos-host process reading events on stdin, one reply per line."""

    def __init__(self, db, scripts, manifest):
        self.p = subprocess.Popen([host, "--manifest", manifest, "--db", db,
                                   "--scripts", scripts, "--events", "-", "--quiet"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def send(self, ev):
        self.p.stdin.write(json.dumps(ev) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            raise SystemExit(f"the till stopped at {ev}")
        return json.loads(line)

    def ok(self, ev):
        r = self.send(ev)
        if not r.get("ok"):
            raise SystemExit(f"refused: {ev}\n{r}")
        return r

    def close(self):
        self.p.stdin.close()
        return self.p.wait(timeout=60)


def sale(till, sid, lines, customer=None, tag=None, terminal="T1", store="roastery-berlin"):
    till.ok({"type": "sale.begin", "sale": sid, "store": store, "terminal": terminal,
             "cashier": "mia", "at": "2026-11-20T10:00:00+01:00", "currency": "EUR"})
    total = 0
    for i in range(lines):
        net, tax = 1000 + i, 70
        total += net + tax
        till.ok({"type": "sale.line", "sale": sid, "terminal": terminal, "line": f"L{i + 1}",
                 "sku": f"SKU{i}", "name": f"Coffee {i}", "qty": 1,
                 "unit_price": net + tax, "net": net, "tax": tax})
    if customer:
        till.ok({"type": "sale.customer", "sale": sid, "terminal": terminal,
                 "customer": customer})
    till.ok({"type": "sale.tag", "sale": sid, "terminal": terminal,
             **(tag or {"purpose": "own_use"})})
    total_reply = till.ok({"type": "sale.total", "sale": sid, "terminal": terminal})
    complete = {"type": "sale.complete", "sale": sid, "terminal": terminal, "total": total,
                "tenders": [{"type": "card", "amount": total}]}
    return complete, till.ok(complete), total_reply


def files_of(db):
    return [p for p in (db, db + "-wal", db + "-shm") if os.path.exists(p)]


def search(db, needles):
    """{needle: [file, ...]} for every needle found, and the bytes read."""
    found, nbytes = {}, 0
    for path in files_of(db):
        data = open(path, "rb").read()
        nbytes += len(data)
        for n in needles:
            if n.encode("utf-8") in data:
                found.setdefault(n, []).append(os.path.basename(path))
    return found, nbytes


def posintent(db, *args):
    return subprocess.run([cli, "--db", db, *args], capture_output=True, text=True)


def amounts(db):
    r = posintent(db, "sales", "list", "--format", "csv")
    rows = csv.DictReader(io.StringIO(r.stdout))
    return sorted((x["store"], x["terminal"], x["sale"], x["status"], x["net"], x["tax"],
                   x["total"], x["reseller_id"]) for x in rows)


with tempfile.TemporaryDirectory() as tmp:
    scripts = os.path.join(tmp, "scripts")
    os.mkdir(scripts)
    with open(os.path.join(scripts, "gift_note.lua"), "w") as f:
        f.write(SCRIPT)
    # The repository's manifest with durability normal: the 4,100-sale
    # part would otherwise wait for an fsync per sale.
    m = json.load(open(manifest_path))
    m["config"]["durability"] = "normal"
    manifest = os.path.join(tmp, "plugin.manifest")
    json.dump(m, open(manifest, "w"))
    db = os.path.join(tmp, "shop.db")

    till = Till(db, scripts, manifest)
    sale(till, "F1", 2)
    sale(till, "B1", 1, customer={"id": "C-CAFE", "name": "Cafe Kreuzberg GmbH", "org": True,
                                  "vat": KEPT_BUSINESS}, tag={"purpose": "resale"})
    gift_complete, gift_reply, gift_total = sale(
        till, "G1", 30, customer={"id": "C-4711", "name": GIFT["customer"]},
        tag={"purpose": "gift", "recipient": {"name": GIFT["recipient"],
                                              "contact": GIFT["contact"]},
             "message": GIFT["message"], "gift_receipt": True})
    gift_line = f"Gift message for {GIFT['recipient']}: {GIFT['message']}"
    check("the script writes the recipient into the receipt",
          gift_line in gift_reply.get("receipt", []), f"{gift_reply.get('receipt')}")
    sale(till, "N1", 3, customer={"name": NOID["customer"]},
         tag={"purpose": "gift", "recipient": {"name": NOID["recipient"]},
              "message": NOID["message"]})
    sale(till, "N2", 1, customer={"name": BYSALE["customer"]})
    sale(till, "V1", 1, customer={"id": "C-VOID", "name": VOIDED["customer"]})
    till.ok({"type": "sale.void", "sale": "V1", "terminal": "T1",
             "reason": VOIDED["reason"]})
    # Voided before completion: the reason is the sale's only personal value.
    till.ok({"type": "sale.begin", "sale": "V2", "store": "roastery-berlin",
             "terminal": "T1", "cashier": "mia", "at": "2026-11-20T10:00:00+01:00",
             "currency": "EUR"})
    till.ok({"type": "sale.void", "sale": "V2", "terminal": "T1", "reason": OPEN_VOID})

    found, _ = search(db, ERASED)
    check("before erasure the search finds what it looks for",
          set(found) == set(ERASED), f"found {sorted(found)}")
    before_amounts = amounts(db)
    # The reason is chained as a salted digest: an edit, or a removal
    # without an erase entry, shows.
    for new in ("customer changed their mind", ""):
        tampered = os.path.join(tmp, "void-tampered.db")
        if os.path.exists(tampered):
            os.unlink(tampered)
        con = sqlite3.connect(db)
        con.execute("VACUUM INTO ?", (tampered,))
        con.close()
        con = sqlite3.connect(tampered)
        n = con.execute("UPDATE voids SET reason=? WHERE reason=?",
                        (new, VOIDED["reason"])).rowcount
        con.commit()
        con.close()
        r = posintent(tampered, "verify")
        check(f"a void reason edited to {new!r} fails verify",
              n == 1 and r.returncode == 1 and "void_reason" in r.stdout,
              f"{n} rows; exit {r.returncode}: {r.stdout}{r.stderr}")
    before_purposes = posintent(db, "report", "purposes", "--format", "csv").stdout

    # ---- erase while the till runs ---------------------------------------
    r = posintent(db, "erase", "--customer", "C-4711")
    check("erase --customer", r.returncode == 0 and r.stdout == "erased 96 fields on 1 sale\n",
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(db, "erase", "--customer-name", NOID["customer"])
    check("erase --customer-name (no id)", r.returncode == 0 and "on 1 sale" in r.stdout,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(db, "erase", "--sale", "N2")
    check("erase --sale (no id)", r.returncode == 0 and "erased 1 field on 1 sale" in r.stdout,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(db, "erase", "--customer", "C-VOID")
    check("erase --customer takes the void's reason too",
          r.returncode == 0 and r.stdout == "erased 2 fields on 1 sale\n",
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(db, "erase", "--sale", "V2")
    check("erase --sale takes the reason of a sale voided before completion",
          r.returncode == 0 and r.stdout == "erased 1 field on 1 sale\n",
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(db, "erase", "--sale", "V2")
    check("erasing it again says nothing is left, not \"0 sales\"",
          r.returncode == 0 and
          r.stdout == "nothing personal left to erase on 1 matching sale (already erased?)\n",
          f"exit {r.returncode}: {r.stdout}{r.stderr}")

    found, nbytes = search(db, ERASED + [gift_line])
    check("no erased string in the .db, -wal or -shm while the till runs", not found,
          f"{found}")
    print(f"searched {nbytes} bytes in {', '.join(os.path.basename(p) for p in files_of(db))}"
          f" for {len(ERASED) + 1} strings while the till runs")
    found, _ = search(db, [KEPT_BUSINESS, "Cafe Kreuzberg GmbH"])
    check("other customers' data stays", len(found) == 2, f"{found}")

    check("amounts unchanged", amounts(db) == before_amounts)
    check("report purposes unchanged",
          posintent(db, "report", "purposes", "--format", "csv").stdout == before_purposes)
    r = posintent(db, "verify")
    check("verify passes after erasure", r.returncode == 0 and "verified" in r.stdout,
          f"{r.stdout}{r.stderr}")

    resent = till.send(gift_complete)
    text = json.dumps(resent, ensure_ascii=False)
    check("the resent completion is recorded", resent.get("ok") and resent.get("recorded"),
          text)
    check("the resent reply carries no personal data",
          not any(s in text for s in ERASED), text)
    check("the resent reply keeps the plugin's own receipt line",
          resent.get("receipt") == ["Gift receipt"], text)
    check("the resent reply keeps the amounts",
          all(resent.get(k) == gift_reply.get(k) for k in ("net", "tax", "total", "lines")),
          text)
    after, _, _ = sale(till, "F2", 1)
    check("the till goes on recording", after.get("type") == "sale.complete")
    check("the till exits cleanly", till.close() == 0)
    found, _ = search(db, ERASED + [gift_line])
    check("nothing found after the till closed", not found, f"{found}")

    # ---- no cap on sales -------------------------------------------------
    many = os.path.join(tmp, "many.db")
    events = os.path.join(tmp, "many.jsonl")
    n_many = 4100
    with open(events, "w") as f:
        for i in range(n_many):
            sid = f"M{i:05d}"
            for ev in ({"type": "sale.begin", "sale": sid, "store": "roastery-berlin",
                        "terminal": "T1", "cashier": "mia",
                        "at": "2026-11-20T10:00:00+01:00", "currency": "EUR"},
                       {"type": "sale.line", "sale": sid, "line": "L1", "qty": 1,
                        "unit_price": 107, "net": 100, "tax": 7},
                       {"type": "sale.customer", "sale": sid,
                        "customer": {"id": "C-MANY", "name": "Vielkaeuferin Immerwieder"}},
                       {"type": "sale.tag", "sale": sid, "purpose": "own_use"},
                       {"type": "sale.complete", "sale": sid, "total": 107,
                        "tenders": [{"type": "cash", "amount": 107}]}):
                f.write(json.dumps(ev) + "\n")
    subprocess.run([host, "--manifest", manifest, "--db", many, "--events", events,
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    r = posintent(many, "erase", "--customer", "C-MANY")
    check(f"a customer with {n_many} sales is erased whole",
          r.returncode == 0 and r.stdout == f"erased {n_many} fields on {n_many} sales\n",
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    found, _ = search(many, ["Vielkaeuferin"])
    check("...and no copy remains", not found, f"{found}")
    r = posintent(many, "verify")
    check("...and it verifies", r.returncode == 0, r.stdout + r.stderr)
    print(f"erased a customer's {n_many} sales")

    # ---- one sale, one record --------------------------------------------
    two = os.path.join(tmp, "two.db")
    till = Till(two, scripts, manifest)
    for term in ("T1", "T2"):
        sale(till, "D1", 1, terminal=term,
             tag={"purpose": "gift", "recipient": {"name": f"Empfaenger {term}"}})
    till.close()
    r = posintent(two, "erase", "--recipient", "D1")
    check("a sale id on two terminals is refused", r.returncode == 2 and
          "T1" in r.stderr and "T2" in r.stderr and "--terminal" in r.stderr,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    found, _ = search(two, ["Empfaenger T1", "Empfaenger T2"])
    check("...erasing nothing", len(found) == 2, f"{found}")
    r = posintent(two, "erase", "--recipient", "D1", "--terminal", "T2")
    check("with --terminal one is erased", r.returncode == 0 and "on 1 sale" in r.stdout,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    found, _ = search(two, ["Empfaenger T1", "Empfaenger T2"])
    check("...the other one stays", list(found) == ["Empfaenger T1"], f"{found}")
    # Script meta is chained as a salted digest: an edit shows.
    tampered = os.path.join(tmp, "tampered.db")
    con = sqlite3.connect(two)
    con.execute("VACUUM INTO ?", (tampered,))
    con.close()
    con = sqlite3.connect(tampered)
    n = con.execute("UPDATE sales SET meta='{\"gift_for\":\"someone else\"}'"
                    " WHERE meta IS NOT NULL").rowcount
    con.commit()
    con.close()
    r = posintent(tampered, "verify")
    check("an edited script meta fails verify", n == 1 and r.returncode == 1 and
          "meta" in r.stdout, f"{n} rows; exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(two, "erase", "--sale", "NOPE")
    check("an unknown sale is a no", r.returncode == 1 and "NOPE" in r.stderr,
          f"exit {r.returncode}: {r.stderr}")
    r = posintent(two, "erase", "--customer", "C-NOBODY")
    check("an unknown customer is a no", r.returncode == 1 and "C-NOBODY" in r.stderr,
          f"exit {r.returncode}: {r.stderr}")

    # ---- a reader that keeps the WAL busy: loud, and finished on a rerun --
    # The reader holds its snapshot until the erasure has returned, so the
    # checkpoint cannot finish whatever the machine's speed.
    busy = os.path.join(tmp, "busy.db")
    till = Till(busy, scripts, manifest)
    sale(till, "R1", 2, customer={"name": "Leonore Langleser"},
         tag={"purpose": "gift", "recipient": {"name": "Tante Wiltrud Wartezeit"}})
    till.close()
    reader = sqlite3.connect(busy, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sales").fetchone()
    r = posintent(busy, "erase", "--customer-name", "Leonore Langleser")
    check("a checkpoint kept from finishing is an error", r.returncode == 3 and
          "-wal" in r.stderr and "erased" in r.stdout,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    reader.execute("COMMIT")
    reader.close()
    r = posintent(busy, "erase", "--customer-name", "Leonore Langleser")
    check("...and running it again finishes it", r.returncode == 1 and
          "already erased" in r.stderr, f"exit {r.returncode}: {r.stdout}{r.stderr}")
    found, _ = search(busy, ["Leonore", "Wiltrud"])
    check("...leaving no copy", not found, f"{found}")

    # ---- a database written with journal format 1 ------------------------
    old = os.path.join(tmp, "v1.db")
    con = sqlite3.connect(old)
    con.executescript(open(v1_sql).read())
    con.close()
    # The till opens it first, migrating its schema as it would in a store.
    subprocess.run([host, "--manifest", manifest, "--db", old, "--quiet"],
                   input='{"type":"ping"}\n', text=True, check=True, capture_output=True)
    r = posintent(old, "verify")
    check("a format-1 journal verifies", r.returncode == 0, r.stdout + r.stderr)
    r = posintent(old, "erase", "--recipient", "S004")
    check("a format-1 sale is erased", r.returncode == 0 and "erased 9 fields" in r.stdout,
          f"exit {r.returncode}: {r.stdout}{r.stderr}")
    r = posintent(old, "verify")
    check("...and it still verifies", r.returncode == 0, r.stdout + r.stderr)
    found, _ = search(old, ["Oma Hilde"])
    check("...leaving no copy", not found, f"{found}")
    # Format-1 entries have no attempt key: one set behind the journal's
    # back (to pass a resend off as that sale's) must show.
    keyed = os.path.join(tmp, "v1-keyed.db")
    src, con = sqlite3.connect(old), sqlite3.connect(keyed)
    src.backup(con)
    src.close()
    con.execute("UPDATE sales SET attempt='9f2c41d0e7a35b86' WHERE sale='S001'")
    con.commit()
    con.close()
    r = posintent(keyed, "verify")
    check("an attempt key added to a format-1 sale fails verify",
          r.returncode == 1 and "differs" in r.stdout + r.stderr, r.stdout + r.stderr)

finish("erasure checks")
