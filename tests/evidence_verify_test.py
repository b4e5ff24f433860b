#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`posintent evidence verify` against stand-ins for VIES and HMRC (issue 15,
parts 2 and 5).

A till's database holds accounts with VAT numbers (EU ones for VIES, GB ones
for HMRC) and a sale whose VAT number was typed at the till.  The stand-in
server (tests/verify_standin.py) answers each number with one behaviour, so
that one pass meets every documented answer and every failure:

  - valid and invalid, with the consultation number, request date, name
    and address recorded, and the store's own number sent as requester;
  - every VIES error code: the unavailable ones (MS_UNAVAILABLE answered
    as VIES does, "valid": false beside userError, among them) are recorded
    unavailable, never invalid; INVALID_INPUT and INVALID_REQUESTER_INFO are
    input errors;
  - HTTP 500, 429 (its Retry-After honoured), a slow answer (the client's
    timeout, lowered by the settings, ends it: the server holds the answer
    until the test ends, so no timing is assumed), malformed JSON, a wrong
    content type, an answer about another number, a redirect loop, and a
    TLS failure (https:// to the plain-HTTP port): each leaves the number
    unverified, with a log line that says what came;
  - HMRC: the OAuth token (client credentials, scope read:vat), NOT_FOUND
    (invalid), INVALID_REQUEST (input error), 429, 503 and a platform 404
    that is not about the number (unavailable).

Then: a second pass asks nothing that is not due; with no backoff the
unavailable numbers are asked again and a good answer makes them valid;
the secret is in no output; a settings file with the secret readable by
others is refused; `posintent verify` passes, and fails once a recorded
result is edited or a row is slipped in behind the journal; --follow stops
on SIGTERM between passes.

usage: evidence_verify_test.py POS_HOST POSINTENT MANIFEST
"""
import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish  # noqa: E402
from verify_standin import StandIn  # noqa: E402

pos_host, posintent_bin, manifest = sys.argv[1:4]
SECRET = "s3cr3t-never-printed"


def posintent(*args, **kw):
    return subprocess.run([posintent_bin, *args], capture_output=True, text=True, **kw)


def de_numbers(start, count):
    """`count` DE VAT numbers with a right check digit (ISO 7064 MOD 11,10)."""
    out = []
    body = start
    while len(out) < count:
        digits = str(body)
        product = 10
        for d in digits:
            s = (int(d) + product) % 10 or 10
            product = (2 * s) % 11
        out.append("DE" + digits + str((11 - product) % 10))
        body += 1
    return out


def gb_numbers(start, count):
    """`count` GB VAT numbers the validator takes (weights 8..2, mod 97)."""
    out = []
    body = start
    while len(out) < count:
        digits = str(body)
        s = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1)))
        n = f"GB{digits}{(-s) % 97:02d}"
        if posintent("taxid", "check", n).returncode == 0:
            out.append(n)
        body += 1
    return out


VIES_CASES = ["valid", "invalid", "MS_UNAVAILABLE", "TIMEOUT", "SERVICE_UNAVAILABLE",
              "MS_MAX_CONCURRENT_REQ", "GLOBAL_MAX_CONCURRENT_REQ", "INVALID_INPUT",
              "INVALID_REQUESTER_INFO", "http500", "http429", "slow", "malformed",
              "html", "other"]
VIES_EXPECT = {"valid": "valid", "invalid": "invalid", "INVALID_INPUT": "input_error",
               "INVALID_REQUESTER_INFO": "input_error"}
HMRC_CASES = ["valid", "NOT_FOUND", "INVALID_REQUEST", "http429", "http503",
              "MATCHING_RESOURCE_NOT_FOUND", "valid2"]
HMRC_EXPECT = {"valid": "valid", "valid2": "valid", "NOT_FOUND": "invalid",
               "INVALID_REQUEST": "input_error"}


def make_db(tmp, name, vats, sale_vat=None):
    db = os.path.join(tmp, name)
    events = [{"type": "ping"}]
    if sale_vat:
        sid = "S1"
        events += [
            {"type": "sale.begin", "sale": sid, "store": "roastery-berlin", "terminal": "T1",
             "cashier": "ev", "at": "2026-12-01T10:00:00+01:00", "currency": "EUR"},
            {"type": "sale.line", "sale": sid, "line": "L1", "sku": "SKU-1",
             "name": "Beans", "qty": 1, "unit_price": 1190, "net": 1000, "tax": 190},
            {"type": "sale.customer", "sale": sid,
             "customer": {"vat": sale_vat, "name": "Typed Trader"}},
            {"type": "sale.tag", "sale": sid, "purpose": "resale"},
            {"type": "sale.total", "sale": sid},
            {"type": "sale.complete", "sale": sid, "total": 1190,
             "tenders": [{"type": "card", "amount": 1190}]}]
    payload = "".join(json.dumps(e) + "\n" for e in events)
    p = subprocess.run([pos_host, "--manifest", manifest, "--db", db, "--quiet"],
                       input=payload, capture_output=True, text=True)
    check(f"{name}: the till creates the database", p.returncode == 0, p.stderr)
    for i, vat in enumerate(vats):
        r = posintent("--db", db, "account", "add", f"A{i:02d}", "--name", f"Buyer {i}",
                      "--kind", "business", "--vat", vat)
        check(f"account add {vat}", r.returncode == 0, r.stdout + r.stderr)
    return db


def write_config(tmp, name, settings, mode=0o600):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(settings, f)
    os.chmod(path, mode)
    return path


def rows(db):
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    out = {}
    for r in con.execute("SELECT * FROM verifications ORDER BY id"):
        out.setdefault(r["number"], []).append(dict(r))
    con.close()
    return out


def run_pass(db, config, *extra):
    return posintent("--db", db, "--manifest", manifest, "evidence", "verify",
                     "--config", config, *extra)


srv = StandIn()
srv.client_secret = SECRET
try:
    with tempfile.TemporaryDirectory(prefix="posintent-evidence-") as tmp:
        eu = de_numbers(12345670, len(VIES_CASES) + 1)
        gb = gb_numbers(1234560, len(HMRC_CASES))
        typed = eu.pop()  # the sale's number, typed at the till
        for n, case in zip(eu, VIES_CASES):
            srv.vies[n[2:]] = case
        srv.vies[typed[2:]] = "valid"
        for n, case in zip(gb, HMRC_CASES):
            srv.hmrc[n[2:]] = "valid" if case == "valid2" else case
        db = make_db(tmp, "pos.db", eu + gb, sale_vat=typed)
        settings = {"vies_url": srv.url + "/vies/check-vat-number", "hmrc_url": srv.url,
                    "hmrc_client_id": "CLIENT", "hmrc_client_secret": SECRET,
                    "hmrc_requester": gb[-1], "timeout_ms": 1500,
                    "vies_per_second": 1000, "hmrc_per_second": 1000}
        config = write_config(tmp, "verify.json", settings)

        # --- One pass: every answer.
        r = run_pass(db, config)
        out = r.stdout + r.stderr
        check("the pass exits 0", r.returncode == 0, out)
        check("the secret is in no output", SECRET not in out, out)
        got = rows(db)
        for n, case in zip(eu, VIES_CASES):
            want = VIES_EXPECT.get(case, "unavailable")
            outcome = got.get(n, [{}])[-1].get("outcome")
            check(f"VIES {case}: {want}", outcome == want, f"{n}: {got.get(n)}")
        for n, case in zip(gb, HMRC_CASES):
            want = HMRC_EXPECT.get(case, "unavailable")
            outcome = got.get(n, [{}])[-1].get("outcome")
            check(f"HMRC {case}: {want}", outcome == want, f"{n}: {got.get(n)}")
        check("the sale's typed number is checked too",
              got.get(typed, [{}])[-1].get("outcome") == "valid", got.get(typed))

        v = got[eu[0]][-1]
        check("VIES valid: consultation, date, name, address recorded",
              v["consultation"] == "WAPI" + eu[0][2:] and v["request_date"] == "2026-12-03+01:00"
              and v["name"] == "TRADER " + eu[0][2:] and "CITY" in v["address"]
              and v["requester"] == "DE136695976", v)
        vies_reqs = [json.loads(b) for s, p, h, b in srv.asked("vies")]
        check("VIES is asked with the store's own number as requester",
              vies_reqs and all(q.get("requesterMemberStateCode") == "DE"
                                and q.get("requesterNumber") == "136695976"
                                for q in vies_reqs), vies_reqs[:2])
        h = got[gb[0]][-1]
        check("HMRC valid: consultation number, name, address",
              h["consultation"] == "HMRC-" + gb[0][2:] and h["name"] == "UK TRADER " + gb[0][2:]
              and h["address"] == "1 HIGH STREET, LONDON, SW1A 1AA, GB"
              and h["request_date"] == "2026-12-03T10:00:00+00:00", h)
        tokens = srv.asked("token")
        check("HMRC: one token for the pass, client credentials, scope read:vat",
              len(tokens) == 1 and "scope=read%3Avat" in tokens[0][3]
              and "grant_type=client_credentials" in tokens[0][3], tokens)
        lookups = [p for s, p, hh, b in srv.asked("hmrc")]
        check("HMRC lookups name the requester VRN",
              lookups and all(p.endswith("/" + gb[-1][2:]) for p in lookups), lookups[:2])

        by_case = dict(zip(VIES_CASES, eu))
        ms = got[by_case["MS_UNAVAILABLE"]][-1]
        check("MS_UNAVAILABLE (valid:false beside it) is unavailable with its code",
              ms["outcome"] == "unavailable" and ms["code"] == "MS_UNAVAILABLE"
              and ms["retry_after"] and ms["retry_after"] > ms["checked_at"], ms)
        r429 = got[by_case["http429"]][-1]
        check("429: Retry-After honoured", r429["code"] == "HTTP_429" and
              r429["retry_after"] >= r429["checked_at"][:11], r429)
        for case, words in [("slow", "no answer within 1500 ms"),
                            ("malformed", "JSON cannot be read"),
                            ("html", "not JSON"), ("other", "another number"),
                            ("http500", "HTTP 500")]:
            n = by_case[case]
            row = got[n][-1]
            check(f"{case}: logged, saying what came",
                  words in row["detail"] and n in r.stderr and words in r.stderr,
                  f"{row} / {r.stderr}")

        # --- Nothing due is asked again; the journal covers every result.
        before = len(srv.requests)
        r2 = run_pass(db, config)
        check("a second pass asks nothing (the unavailable ones wait)",
              r2.returncode == 0 and len(srv.requests) == before
              and "0 due" in r2.stdout, r2.stdout + r2.stderr)
        vr = posintent("--db", db, "verify")
        check("posintent verify passes", vr.returncode == 0, vr.stdout + vr.stderr)

        # --- --retry-now: the unavailable ones are asked again and a good
        # answer makes them valid; input errors and answers are not.
        for case in ["MS_UNAVAILABLE", "http429", "slow", "malformed"]:
            srv.vies[by_case[case][2:]] = "valid"
        config0 = write_config(tmp, "verify0.json", dict(settings, retry_base_s=0))
        srv.requests.clear()
        r3 = run_pass(db, config, "--retry-now")
        got = rows(db)
        for case in ["MS_UNAVAILABLE", "http429", "slow", "malformed"]:
            hist = [x["outcome"] for x in got[by_case[case]]]
            check(f"{case}: asked again, now valid, the earlier answer kept",
                  hist[-2:] == ["unavailable", "valid"], hist)
        asked = {json.loads(b)["vatNumber"] for s, p, hh, b in srv.asked("vies")}
        check("input errors and final answers are not asked again",
              by_case["INVALID_INPUT"][2:] not in asked and eu[0][2:] not in asked, asked)
        # Backoff: with retry_base_s 0 a number still unavailable is due at
        # once; with the default it waits twice as long the second time.
        sv = by_case["SERVICE_UNAVAILABLE"]
        hist = got[sv]
        check("still unavailable: asked again, recorded again", r3.returncode == 0 and
              [x["outcome"] for x in hist] == ["unavailable", "unavailable"], hist)

        def wait_s(row):
            import datetime
            f = "%Y-%m-%dT%H:%M:%SZ"
            return (datetime.datetime.strptime(row["retry_after"], f) -
                    datetime.datetime.strptime(row["checked_at"], f)).total_seconds()
        check("backoff doubles: 60 s, then 120 s",
              [wait_s(x) for x in hist] == [60, 120], [wait_s(x) for x in hist])
        srv.requests.clear()
        r4 = run_pass(db, config0)
        check("retry_base_s 0: still waiting for the 120 s set before", r4.returncode == 0
              and not srv.asked("vies"), r4.stdout + r4.stderr)

        # --- Tampering with a result shows in posintent verify.
        con = sqlite3.connect(db)
        con.execute("DROP TRIGGER verifications_no_update")
        con.execute("UPDATE verifications SET outcome='valid' WHERE number=?",
                    (by_case["invalid"],))
        con.commit()
        con.close()
        vr = posintent("--db", db, "verify")
        check("an edited result fails posintent verify", vr.returncode == 1 and
              "verification row" in vr.stdout + vr.stderr, vr.stdout + vr.stderr)

        db2 = make_db(tmp, "slip.db", [eu[1]])
        con = sqlite3.connect(db2)
        con.execute("INSERT INTO verifications(number, country, service, requester, outcome,"
                    " code, detail, checked_at) VALUES('DE000000000','DE','vies','',"
                    "'valid','','slipped in','2026-12-01T00:00:00Z')")
        con.commit()
        con.close()
        vr = posintent("--db", db2, "verify")
        check("a row slipped in behind the journal fails posintent verify",
              vr.returncode == 1 and "no journal entry" in vr.stdout + vr.stderr,
              vr.stdout + vr.stderr)

        # --- Bad transport: TLS to a plain port, a redirect loop.
        db3 = make_db(tmp, "tls.db", [eu[1]])
        tls = write_config(tmp, "tls.json", {"vies_url": f"https://127.0.0.1:{srv.port}/vies",
                                             "timeout_ms": 5000})
        r = run_pass(db3, tls)
        row = rows(db3).get(eu[1], [{}])[-1]
        check("TLS failure: unavailable, NO_ANSWER, logged", r.returncode == 0 and
              row.get("outcome") == "unavailable" and row.get("code") == "NO_ANSWER" and
              eu[1] in r.stderr, f"{row} {r.stderr}")
        db4 = make_db(tmp, "loop.db", [eu[1]])
        loop = write_config(tmp, "loop.json", {"vies_url": srv.url + "/vies/loop",
                                               "timeout_ms": 5000})
        r = run_pass(db4, loop)
        row = rows(db4).get(eu[1], [{}])[-1]
        check("redirect loop: unavailable, logged as a loop",
              row.get("outcome") == "unavailable" and "redirect" in row.get("detail", "")
              and "redirect" in r.stderr, f"{row} {r.stderr}")

        # --- Credentials: refused when others may read them, never printed.
        bad = write_config(tmp, "open.json", settings, mode=0o644)
        r = run_pass(db4, bad)
        check("a readable secret is refused", r.returncode == 3 and
              "hmrc_client_secret" in r.stderr and SECRET not in r.stdout + r.stderr,
              r.stdout + r.stderr)
        db5 = make_db(tmp, "cred.db", [gb[0]])
        wrong = write_config(tmp, "wrong.json", dict(settings, hmrc_client_secret="WRONG-1"))
        r = run_pass(db5, wrong)
        row = rows(db5).get(gb[0], [{}])[-1]
        check("refused credentials: unavailable, not invalid, secret not printed",
              row.get("outcome") == "unavailable" and row.get("code") == "HMRC_TOKEN" and
              "WRONG-1" not in r.stdout + r.stderr + row.get("detail", ""), f"{row} {r.stderr}")
        # A token endpoint that redirects (307) is not followed: curl would
        # post the client secret again to wherever it points.
        db6 = make_db(tmp, "moved.db", [gb[0]])
        before = len(srv.asked("token"))
        r = run_pass(db6, write_config(tmp, "moved.json",
                                       dict(settings, hmrc_token_url=srv.url + "/oauth/moved")))
        row = rows(db6).get(gb[0], [{}])[-1]
        check("a redirected token request is not followed: the secret goes nowhere else",
              len(srv.asked("moved")) == 1 and len(srv.asked("token")) == before,
              (srv.asked("moved"), len(srv.asked("token")), before))
        check("a redirected token request: unavailable, HTTP 307 said",
              row.get("outcome") == "unavailable" and row.get("code") == "HMRC_TOKEN"
              and "307" in row.get("detail", ""), f"{row} {r.stderr}")
        r = run_pass(db5, write_config(tmp, "typo.json", {"vies_ulr": "x"}))
        check("a misspelt setting is refused, naming it",
              r.returncode == 3 and "vies_ulr" in r.stderr, r.stderr)

        # --- Policy: reverse_charge only for a number verified online.
        with open(manifest, encoding="utf-8") as f:
            m = json.load(f)
        m["config"].setdefault("policy", {})["reverse_charge_requires_verified"] = True
        strict = os.path.join(tmp, "strict.manifest")
        with open(strict, "w", encoding="utf-8") as f:
            json.dump(m, f)
        FR_OK, FR_BAD, FR_NEVER = "FR40303265045", "FR53901821074", "FR83404833048"
        srv.vies.update({FR_OK[2:]: "valid", FR_BAD[2:]: "invalid"})
        db7 = make_db(tmp, "policy.db", [FR_OK, FR_BAD])
        r = run_pass(db7, config)
        check("policy: the numbers on file are checked", "2 due: 1 valid, 1 invalid"
              in r.stdout, r.stdout + r.stderr)

        def total(man, vat, sid):
            ev = [{"type": "sale.begin", "sale": sid, "store": "roastery-berlin",
                   "terminal": "T1", "cashier": "ev", "at": "2026-12-02T10:00:00+01:00",
                   "currency": "EUR"},
                  {"type": "sale.line", "sale": sid, "line": "L1", "sku": "SKU-1",
                   "name": "Beans", "qty": 1, "unit_price": 1190, "net": 1000, "tax": 190},
                  {"type": "sale.customer", "sale": sid, "customer": {"vat": vat}},
                  {"type": "sale.tag", "sale": sid, "purpose": "resale"},
                  {"type": "sale.total", "sale": sid},
                  {"type": "sale.complete", "sale": sid, "total": 1190,
                   "tenders": [{"type": "card", "amount": 1190}]}]
            p = subprocess.run([pos_host, "--manifest", man, "--db", db7, "--quiet"],
                               input="".join(json.dumps(e) + "\n" for e in ev),
                               capture_output=True, text=True)
            done = json.loads(p.stdout.splitlines()[-1])
            check(f"{sid}: recorded", done.get("recorded") is True, p.stdout[-300:])
            return json.loads(p.stdout.splitlines()[-2])

        t = total(strict, FR_OK, "P1")
        check("policy on, verified number: reverse_charge, no prompt",
              t["tax_treatment"] == "reverse_charge" and
              not [x for x in t["prompts"] if x["id"] == "vat_unverified"], t)
        for vat, why, sid in [(FR_NEVER, "never verified online", "P2"),
                              (FR_BAD, "found not registered online", "P3")]:
            t = total(strict, vat, sid)
            pr = [x for x in t["prompts"] if x["id"] == "vat_unverified"]
            check(f"policy on, {why}: standard, with a prompt that says why",
                  t["tax_treatment"] == "standard" and pr and why in pr[0]["text"]
                  and vat in pr[0]["text"] and t["can_complete"], t)
        t = total(manifest, FR_NEVER, "P4")
        check("policy off: the offline verdict decides, as before",
              t["tax_treatment"] == "reverse_charge", t)

        # --- Reports: check flags the resale lines, resellers shows status.
        r = posintent("--db", db7, "check", "--from", "2026-12-01", "--to", "2026-12-31",
                      "--format", "csv")
        flagged = {(x["rule"], x["sale"]) for x in csv.DictReader(io.StringIO(r.stdout))}
        check("check: invalid and never-verified resale lines flagged, verified not",
              r.returncode == 1 and ("evidence_invalid", "P3") in flagged and
              ("evidence_unverified", "P2") in flagged and
              ("evidence_unverified", "P4") in flagged and
              not [f for f in flagged if f[1] == "P1" and f[0].startswith("evidence_")],
              r.stdout + r.stderr)
        r = posintent("--db", db7, "report", "resellers", "--from", "2026-12-01",
                      "--to", "2026-12-31")
        rep = {x["identifier"]: x for x in csv.DictReader(io.StringIO(r.stdout))}
        check("report resellers: verification status and consultation number",
              r.returncode == 0 and rep[FR_OK]["verification"] == "valid" and
              rep[FR_OK]["consultation"] == "WAPI" + FR_OK[2:] and
              rep[FR_BAD]["verification"] == "invalid" and
              rep[FR_BAD]["consultation"] == "" and
              rep[FR_NEVER]["verification"] == "unverified", r.stdout + r.stderr)
        r = posintent("--db", db, "report", "evidence", "--expiring-within", "30d")
        ev_rows = list(csv.DictReader(io.StringIO(r.stdout)))
        listed = {x["number"]: x["kind"] for x in ev_rows}
        check("report evidence: failed verifications listed, first, by kind",
              r.returncode == 0 and listed.get(gb[1]) == "invalid" and
              listed.get(by_case["INVALID_INPUT"]) == "input_error" and
              listed.get(by_case["INVALID_REQUESTER_INFO"]) == "input_error" and
              by_case["SERVICE_UNAVAILABLE"] not in listed and eu[0] not in listed and
              all(x["evidence"] == "vat" and x["days_left"] == "" for x in ev_rows) and
              ev_rows and ev_rows[0]["kind"] in ("invalid", "input_error"),
              r.stdout + r.stderr)
        r = posintent("--db", db, "check", "--from", "2026-12-01", "--to", "2026-12-31",
                      "--format", "csv")
        flagged = {(x["rule"], x["sale"]) for x in csv.DictReader(io.StringIO(r.stdout))}
        check("check: a number verified valid after the sale is not flagged",
              ("evidence_unverified", "S1") not in flagged and
              ("evidence_invalid", "S1") not in flagged, r.stdout)

        # --- --follow: a pass, then stopped by SIGTERM between passes.
        db6 = make_db(tmp, "follow.db", [eu[0]])
        p = subprocess.Popen([posintent_bin, "--db", db6, "evidence", "verify", "--config",
                              config, "--follow", "--interval", "60"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = ""
        while "due:" not in first:
            line = p.stdout.readline()
            if not line:
                break
            first = line
        p.send_signal(signal.SIGTERM)
        rest, err = p.communicate(timeout=120)
        check("--follow: a pass, then SIGTERM stops it cleanly",
              "1 due: 1 valid" in first and p.returncode == 0 and "SIGTERM" in rest,
              first + rest + err)
finally:
    srv.close()

finish("evidence verify")
