#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Online verifications shipped to PostgreSQL (docs/chain.md: the central
schema 6 carries the till's verifications).

Against the real, throwaway server of tests/pg_server.sh and the stand-in
for VIES (tests/verify_standin.py), one till whose VAT numbers were checked
online (valid, invalid, unavailable, then valid), with sales before and
after:

1. The server holds every till column of verifications, and exactly the
   till's rows, shipped in batches of 2 entries.
2. Central verify passes (before this change it reported the till: "entry
   N records verification row M, which is missing").
3. The chain's reseller report, whose verification columns read the
   checks, is the till's byte for byte.
4. A verification row altered (its outcome, its consultation number, the
   name returned), deleted, moved to another store, or slipped in without
   its entry, on the server: central verify exits 1 naming it.
5. A server of schema 5 (no verifications table) that already holds the
   till's "verification" entries -- what an older posintent's sync left --
   is migrated to 6 by the next sync, which ships the rows its entries
   name though the till recorded nothing new; central verify then passes.
6. `erase --account` of an account whose VAT number was checked: the name
   and address the register returned are gone from the table, from every
   byte of the .db, -wal and -shm, and from the journal (format 2: salted
   digests, their salts dropped), also for a check recorded in journal
   format 1 (plain digests, before till schema 12); `posintent verify`
   passes; the table's trigger refuses any other change; a sync leaves
   them in no row of any table on the server, whose verify passes.

usage: chain_verifications_test.py POS_HOST POSINTENT MANIFEST PG_STATE
"""
import hashlib
import json
import os
import sqlite3
import time
import subprocess
import sys
import tempfile

import pgtest
from checks import check, finish
from verify_standin import StandIn

pos_host, posintent_bin, manifest, state = sys.argv[1:5]
pg = pgtest.Server(state)
STORE, TERM = "shop-v", "T1"
COLS = ("id, number, country, service, requester, outcome, code, detail, checked_at,"
        " request_date, consultation, retry_after, name, address")

with open(manifest, encoding="utf-8") as f:
    base_manifest = json.load(f)


def posintent(*args):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True)


def de_numbers(start, count):
    """`count` DE VAT numbers with a right check digit (ISO 7064 MOD 11,10)."""
    out, body = [], start
    while len(out) < count:
        digits, product = str(body), 10
        for d in digits:
            s = (int(d) + product) % 10 or 10
            product = (2 * s) % 11
        out.append("DE" + digits + str((11 - product) % 10))
        body += 1
    return out


def ring(man, db, events):
    payload = b"".join((json.dumps(e) + "\n").encode() for e in events)
    p = subprocess.run([pos_host, "--manifest", man, "--db", db, "--quiet"],
                       input=payload, capture_output=True)
    bad = [l for l in p.stdout.decode().splitlines() if '"ok":false' in l]
    check(f"{db}: pos-host ends well", p.returncode == 0 and not bad,
          p.stderr.decode() + str(bad[:2]))


def resale(sid, vat, day):
    """A one-line resale to a buyer with VAT number `vat`, paid by card."""
    return [{"type": "sale.begin", "sale": sid, "store": STORE, "terminal": TERM,
             "cashier": "vc", "at": f"{day}T10:00:00+01:00", "currency": "EUR"},
            {"type": "sale.line", "sale": sid, "line": "L1", "sku": "SKU-1",
             "name": "Beans", "qty": 1, "unit_price": 1190, "net": 1000, "tax": 190},
            {"type": "sale.customer", "sale": sid,
             "customer": {"vat": vat, "name": "Trader " + sid}},
            {"type": "sale.tag", "sale": sid, "purpose": "resale"},
            {"type": "sale.total", "sale": sid},
            {"type": "sale.complete", "sale": sid, "total": 1190,
             "tenders": [{"type": "card", "amount": 1190}]}]


def sync(db, url, *extra):
    r = posintent("--db", db, "sync", "--to", url, *extra)
    check("sync exits 0", r.returncode == 0, r.stdout + r.stderr)
    return r


def central_verify(url, label):
    r = posintent("--db", url, "verify")
    check(f"{label}: central verify passes", r.returncode == 0, r.stdout + r.stderr)


def till_rows(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = sorted(tuple("" if v is None else str(v) for v in r)
                  for r in con.execute(f"SELECT {COLS} FROM verifications"))
    con.close()
    return rows


def server_rows(url):
    # As JSON: an address holds newlines, which psql's rows would split.
    p = pg.psql(url, f"SELECT row_to_json(v)::text FROM (SELECT {COLS}"
                " FROM posintent.verifications) v", check=False)
    return sorted(tuple("" if v is None else str(v) for v in json.loads(l).values())
                  for l in p.stdout.splitlines() if l)


def append_v1_check(db, number, name, address, at):
    """A check recorded as a till of schema 9 to 11 recorded it: a verifications
    row and its "verification" entry in journal format 1 (the name and
    address as plain SHA-256 digests in the body, pii {})."""
    con = sqlite3.connect(db)
    cur = con.execute(
        "INSERT INTO verifications(number, country, service, requester, outcome, code,"
        " detail, checked_at, request_date, consultation, retry_after, name, address)"
        " VALUES(?, 'DE', 'vies', 'DE136695976', 'valid', '', 'VIES: valid', ?,"
        " '2026-11-30+01:00', ?, NULL, ?, ?)",
        (number, at, "OLD" + number[2:], name, address))
    row = cur.lastrowid
    seq, prev = con.execute("SELECT seq, hash FROM journal ORDER BY seq DESC"
                            " LIMIT 1").fetchone() or (0, "0" * 64)
    # journal.c's digests hash each part followed by a newline.
    sha = lambda s: hashlib.sha256((s + "\n").encode()).hexdigest()
    body = json.dumps({"v": 1, "verification": [
        number, "DE", "vies", "DE136695976", "valid", "", "VIES: valid", at,
        "2026-11-30+01:00", "OLD" + number[2:], None],
        "name": sha(name), "address": sha(address)}, separators=(",", ":"))
    parts = [prev, str(seq + 1), "verification", str(row), at, body, "{}"]
    h = hashlib.sha256("".join(p + "\n" for p in parts).encode()).hexdigest()
    con.execute("INSERT INTO journal(seq, at, kind, sale_id, body, pii, prev, hash)"
                " VALUES(?, ?, 'verification', ?, ?, '{}', ?, ?)",
                (seq + 1, at, row, body, prev, h))
    con.commit()
    con.close()


def file_holds(db, text):
    """Which of the database's files hold `text` (UTF-8) anywhere."""
    return [p for p in (db, db + "-wal", db + "-shm")
            if os.path.exists(p) and text.encode() in open(p, "rb").read()]


def server_holds(url, text):
    """How many rows of all the server's tables hold `text` in any column."""
    tables = [r[0] for r in pg.query(
        url, "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = 'posintent'")]
    # One query (one psql) for all tables: a psql per table is slow.
    sql = " + ".join(f"(SELECT count(*) FROM posintent.{t} x WHERE x::text"
                     f" LIKE '%{text}%')" for t in tables)
    p = pg.psql(url, f"SELECT {sql}", check=False)
    return int(p.stdout.strip() or -1)


srv = StandIn()
try:
    with tempfile.TemporaryDirectory(prefix="posintent-chain-verifications-") as tmp:
        url = pg.new_database("verifications")
        m = json.loads(json.dumps(base_manifest))
        m["config"]["store_id"] = STORE
        man = os.path.join(tmp, "v.manifest")
        with open(man, "w", encoding="utf-8") as f:
            json.dump(m, f)
        db = os.path.join(tmp, "v.db")
        good, bad, later, typed = de_numbers(23456780, 4)
        srv.vies.update({good[2:]: "valid", bad[2:]: "invalid",
                         later[2:]: "MS_UNAVAILABLE", typed[2:]: "valid"})
        ring(man, db, resale("V-1", typed, "2026-12-01"))
        for i, vat in enumerate((good, bad, later)):
            r = posintent("--db", db, "account", "add", f"B{i}", "--name", f"Buyer {i}",
                          "--kind", "business", "--vat", vat)
            check(f"account add {vat}", r.returncode == 0, r.stdout + r.stderr)
        sync(db, url)
        config = os.path.join(tmp, "verify.json")
        with open(config, "w", encoding="utf-8") as f:
            json.dump({"vies_url": srv.url + "/vies/check-vat-number", "timeout_ms": 5000,
                       "vies_per_second": 1000, "retry_base_s": 0}, f)
        os.chmod(config, 0o600)

        def verify_pass(*extra):
            r = posintent("--db", db, "--manifest", man, "evidence", "verify",
                          "--config", config, *extra)
            check("evidence verify exits 0", r.returncode == 0, r.stdout + r.stderr)

        verify_pass()
        OLD_NAME, OLD_ADDRESS = "Old Soletrader Name", "Old Lane 7, 10115 Oldtown"
        # Asked after the first pass: the number's latest check on the till
        # (by id) is its latest in time too, as the chain reports order them.
        append_v1_check(db, good, OLD_NAME, OLD_ADDRESS,
                        time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        r = posintent("--db", db, "verify")
        check("a format-1 verification entry verifies", r.returncode == 0,
              r.stdout + r.stderr)
        ring(man, db, resale("V-2", good, "2026-12-02") + resale("V-3", bad, "2026-12-02"))
        srv.vies[later[2:]] = "valid"
        verify_pass("--retry-now")
        ring(man, db, resale("V-4", later, "2026-12-03"))
        r = posintent("--db", db, "verify")
        check("the till verifies", r.returncode == 0, r.stdout + r.stderr)
        want = till_rows(db)
        outcomes = sorted(r[5] for r in want)
        check("the till holds valid, invalid, unavailable and valid-again checks",
              outcomes == ["invalid", "unavailable", "valid", "valid", "valid", "valid"],
              want)
        sync(db, url, "--batch", "2")

        # -- 1. every till column, and the till's rows --------------------------------
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        mine = {r[1] for r in con.execute("PRAGMA table_info(verifications)")}
        con.close()
        theirs = {r[0] for r in pg.query(
            url, "SELECT column_name FROM information_schema.columns WHERE"
            " table_schema = 'posintent' AND table_name = 'verifications'")}
        check("the server's verifications hold every column of the till's",
              mine and mine <= theirs, sorted(mine - theirs))
        got = server_rows(url)
        check("the server holds the till's verifications, column by column",
              got == want, (got, want))
        p = pg.psql(url, "SELECT DISTINCT store FROM posintent.verifications", check=False)
        check("under the till's home store", p.stdout.split() == [STORE],
              p.stdout + p.stderr)

        # -- 2. central verify ----------------------------------------------------------
        central_verify(url, "a till that verified numbers online")
        sync(db, url)  # nothing new: shipping again changes nothing
        central_verify(url, "after a sync with nothing to ship")
        check("and the rows are the same", server_rows(url) == want, server_rows(url))

        # -- 3. the reseller report reads the checks ---------------------------------------
        for args in (["report", "resellers"], ["report", "resellers", "--detail"],
                     ["report", "resellers", "--format", "json"]):
            mine = posintent("--db", db, "--manifest", man, *args)
            central = posintent("--db", url, "--manifest", man, *args, "--store", STORE,
                                "--terminal", TERM)
            check(f"{' '.join(args)}: the till's report has rows",
                  mine.returncode == 0 and mine.stdout.count("\n") > 1, mine.stderr)
            check(f"{' '.join(args)}: the server's report is the till's, byte for byte",
                  central.returncode == 0 and central.stdout == mine.stdout,
                  (central.stderr, mine.stdout[-600:], central.stdout[-600:]))
        resellers = posintent("--db", url, "report", "resellers").stdout
        check("the chain's reseller report shows the checks' outcomes",
              "invalid" in resellers and "OLD" + good[2:] in resellers
              and "WAPI" + later[2:] in resellers, resellers)

        # -- 4. tampering with a verification on the server ----------------------------------
        V = "posintent.verifications"
        GOOD = f"(SELECT min(id) FROM {V} WHERE number = '{good}')"
        LAST = f"(SELECT max(id) FROM {V})"
        for what, sql, undo, says in (
                ("an outcome", f"UPDATE {V} SET outcome = 'valid' WHERE number = '{bad}'",
                 f"UPDATE {V} SET outcome = 'invalid' WHERE number = '{bad}'", "differs"),
                ("a consultation number", f"UPDATE {V} SET consultation = 'FORGED'"
                 f" WHERE id = {GOOD}", f"UPDATE {V} SET consultation = 'WAPI{good[2:]}'"
                 f" WHERE id = {GOOD}", "differs"),
                ("the name returned", f"UPDATE {V} SET name = 'Someone Else'"
                 f" WHERE id = {GOOD}", f"UPDATE {V} SET name = 'TRADER {good[2:]}'"
                 f" WHERE id = {GOOD}", "differs"),
                ("a deleted row", f"CREATE TABLE saved AS SELECT * FROM {V} WHERE"
                 f" number = '{bad}'; DELETE FROM {V} WHERE number = '{bad}'",
                 f"INSERT INTO {V} SELECT * FROM saved; DROP TABLE saved", "missing"),
                ("a row moved to another store", f"UPDATE {V} SET store = 'shop-x'"
                 f" WHERE number = '{bad}'", f"UPDATE {V} SET store = '{STORE}'"
                 f" WHERE number = '{bad}'", "missing"),
                ("a row slipped in", f"INSERT INTO {V} SELECT store, chain, id + 100,"
                 f" number, country, service, requester, 'valid', code, detail, checked_at,"
                 f" request_date, consultation, retry_after, name, address FROM {V}"
                 f" WHERE id = {LAST}", f"DELETE FROM {V} WHERE id > 100", "verification")):
            pg.psql(url, sql, check=False)
            r = posintent("--db", url, "verify")
            check(f"{what}: central verify exits 1", r.returncode == 1, r.stdout + r.stderr)
            check(f"{what}: names the verification", "NOT verified" in r.stdout and
                  "verification" in r.stdout and says in r.stdout, r.stdout)
            pg.psql(url, undo, check=False)
        central_verify(url, "after the tampering was undone")

        # -- 5. a schema-5 server that holds the entries but not the rows ------------------
        old = pg.new_database("verifications_v5")
        sync(db, old)
        # What a schema-5 posintent's sync left: the journal with the
        # "verification" entries, no table for their rows, and none of the
        # later columns or tables either (schema 7's line tax rate and code;
        # this till's lines carry none; schema 8's script_errors).
        pg.psql(old, "DROP TABLE posintent.verifications;"
                " DROP TABLE posintent.script_errors;"
                " DROP INDEX posintent.journal_verification;"
                " ALTER TABLE posintent.lines DROP COLUMN tax_rate_bp,"
                " DROP COLUMN tax_code;"
                " UPDATE posintent.schema_version SET version = 5", check=False)
        n = pg.query(old, "SELECT count(*) FROM posintent.journal"
                     " WHERE kind = 'verification'")
        check("the schema-5 server holds the verification entries", n == [["6"]], n)
        r = posintent("--db", db, "sync", "--to", old)
        check("sync to the schema-5 server exits 0", r.returncode == 0, r.stdout + r.stderr)
        v = pg.query(old, "SELECT version FROM posintent.schema_version")
        check("the server is migrated to the current schema (8)", v == [["8"]], v)
        got = server_rows(old)
        check("the rows the shipped entries name are shipped, though the till recorded"
              " nothing new", got == want, (got, want))
        central_verify(old, "the upgraded server")
        sync(db, old)
        check("a further sync ships nothing", server_rows(old) == want, server_rows(old))

        # -- 6. erase --account: the register's name and address go too --------------------
        digits = good[2:]
        gone = [f"TRADER {digits}", f"CITY {digits}", OLD_NAME, OLD_ADDRESS]
        kept = f"TRADER {later[2:]}"
        con = sqlite3.connect(db)
        for what, sql in (("an outcome", "UPDATE verifications SET outcome = 'invalid'"),
                          ("a name replaced", "UPDATE verifications SET name = 'X'"),
                          ("a row deleted", "DELETE FROM verifications")):
            try:
                con.execute(sql + f" WHERE number = '{good}'")
                ok = False
            except sqlite3.DatabaseError as e:
                ok = "append-only" in str(e)
            check(f"the till's trigger refuses {what}", ok)
        con.rollback()
        con.close()
        for t in gone:
            check(f"before the erasure the till holds {t!r}", file_holds(db, t), t)
        check("before the erasure the server holds the name", server_holds(url, gone[0]) > 0)
        r = posintent("--db", db, "erase", "--account", "B0")
        check("erase --account B0", r.returncode == 0 and
              "in 2 online checks" in r.stdout, r.stdout + r.stderr)
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        left = con.execute("SELECT count(*) FROM verifications WHERE number = ? AND"
                           " (name IS NOT NULL OR address IS NOT NULL)", (good,)).fetchone()
        other = con.execute("SELECT count(*) FROM verifications WHERE number <> ? AND"
                            " name IS NOT NULL", (good,)).fetchone()
        salts = con.execute("SELECT count(*) FROM salts WHERE sale_id = 0 AND"
                            " field LIKE 'verification%'").fetchone()
        con.close()
        check("the account's checks hold no name or address", left == (0,), left)
        check("other numbers' checks keep theirs", other[0] >= 3, other)
        n_checks = sum(1 for r in till_rows(db) if r[1] != good and r[12])
        check("their salts are kept, the erased ones dropped", salts[0] >= n_checks,
              (salts, n_checks))
        for t in gone:
            check(f"{t!r} is in no byte of the .db, -wal or -shm", not file_holds(db, t),
                  file_holds(db, t))
        check("another number's name is kept", file_holds(db, kept))
        r = posintent("--db", db, "verify")
        check("posintent verify passes after the erasure (formats 1 and 2)",
              r.returncode == 0, r.stdout + r.stderr)
        sync(db, url)
        for t in gone:
            check(f"{t!r} is in no row on the server", server_holds(url, t) == 0,
                  server_holds(url, t))
        check("another number's name is kept on the server", server_holds(url, kept) > 0)
        p = pg.psql(url, "SELECT count(*) FROM posintent.salts WHERE sale_id = 0",
                    check=False)
        check("the server holds the till's verification salts",
              p.stdout.strip() == str(salts[0]), (p.stdout, salts))
        central_verify(url, "after erase --account")
        p = pg.psql(url, "UPDATE posintent.verifications SET name = 'Someone'"
                    f" WHERE number = '{good}'", check=False)
        r = posintent("--db", url, "verify")
        check("an erased name put back on the server fails central verify",
              r.returncode == 1 and "verification" in r.stdout, r.stdout + r.stderr)

        # -- 7. a till of schema 11: its trigger refused every update -------------------------
        u = os.path.join(tmp, "u.db")
        ring(man, u, [{"type": "ping"}])
        con = sqlite3.connect(u)
        con.executescript(
            "DROP TRIGGER verifications_no_update;"
            "CREATE TRIGGER verifications_no_update BEFORE UPDATE ON verifications"
            " BEGIN SELECT RAISE(ABORT, 'verifications are append-only'); END;"
            "PRAGMA user_version=11;")
        con.close()
        append_v1_check(u, good, OLD_NAME, OLD_ADDRESS, "2026-12-01T09:00:00Z")
        ring(man, u, [{"type": "ping"}])
        con = sqlite3.connect(u)
        ver = con.execute("PRAGMA user_version").fetchone()[0]
        con.close()
        check("the plugin migrates it to schema 12", ver == 12, ver)
        r = posintent("--db", u, "account", "add", "P1", "--name", "Sole Trader",
                      "--kind", "business", "--vat", good)
        check("account add", r.returncode == 0, r.stdout + r.stderr)
        r = posintent("--db", u, "erase", "--account", "P1")
        check("erase --account of a format-1 check after the upgrade",
              r.returncode == 0 and "in 1 online check " in r.stdout, r.stdout + r.stderr)
        check("its name and address are gone from the files",
              not file_holds(u, OLD_NAME) and not file_holds(u, OLD_ADDRESS))
        r = posintent("--db", u, "verify")
        check("and it verifies", r.returncode == 0, r.stdout + r.stderr)
finally:
    srv.close()

finish("chain verifications")
