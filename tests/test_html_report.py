#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The HTML reports (issue 7.4): `report resellers|purposes --format html`.

Builds a database through the real recording path (pos-host over the demo
day plus a few generated weeks of sales: several stores and currencies,
gifts, resale with valid, invalid and missing evidence, mixed baskets,
voids, and customer names that are HTML or spreadsheet formulas), then for
each report and a set of options:

  * the page's <table id="report"> holds cell by cell what the CSV report
    holds (same headers, report_row hooks' columns included), and its
    caption names the period and the store;
  * the page needs nothing outside itself: no script, no "http" (but the
    Content-Security-Policy meta's http-equiv), no src=, @import, url(,
    links, images or frames; UTF-8 with <meta charset>; @media print;
  * every value is escaped (a customer called <b>Tom & "Jerry's"</b> is
    text, not markup);
  * the inline SVG chart holds, per currency, period and purpose, the net
    total that the purposes CSV gives for that period, over every period
    of the axis (gaps included), and its legend the exact totals;
  * failures: an unwritable output, no temporary directory, a refusing
    report_row hook (nothing written), --format html for gifts, bad dates;
  * headless Chromium renders it: a screenshot (a real PNG of the window's
    size, many colours, the chart's three colours among them) and a PDF.

usage: test_html_report.py POS_HOST POSINTENT MANIFEST EVENTS OUTDIR [WRAPPER...]

OUTDIR keeps the pages, screenshots and PDFs for a person to look at.  A
WRAPPER (valgrind ...) runs every posintent html report under it; the
browser part is then skipped (it tests the page, not the program).
"""
import csv
import datetime
import io
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from decimal import Decimal
from html.parser import HTMLParser

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
    return cond


# ---- the sales ----------------------------------------------------------------

HOSTILE = '<b>Tom & "Jerry\'s"</b> & Co'
ESCAPED = "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt; &amp; Co"
RESELLERS = [
    {"id": "C-CAFE-KREUZ", "name": "Café Kreuzberg GmbH", "org": True, "vat": "DE129273398"},
    {"id": "C-AT-WIEN", "name": "Kaffeehaus Wien OG", "org": True, "vat": "ATU13585627"},
    {"id": "C-NL-ROAST", "name": "Koffiebar Utrecht B.V.", "org": True,
     "vat": "NL004495445B01"},
    {"id": "C-HTML", "name": HOSTILE, "org": True, "eori": "DE1234567"},
    {"id": "C-FORMULA", "name": "=SUM(1+2)", "org": True,
     "resale_cert": {"state": "TX", "number": "HTML-1", "expires": "2030-01-01"}},
    {"id": "C-AT-HOME", "name": "@Home Café ☕", "org": True,
     "resale_cert": {"state": "CA", "number": "AT-HOME-7", "expires": "2030-01-01"}},
    # Invalid (8 digits) and missing evidence: recorded under the "warn"
    # policy, flagged in the report.
    {"id": "C-FEHLER", "name": "Feinkost Fehler", "org": True, "vat": "DE 12927339"},
    {"id": "C-NOID", "name": "Kiosk 'Ohne' Nummer", "org": True},
]
ITEMS = [("BEAN-ETH", "Ethiopia 250 g", 1290), ("MUG", "Enamel mug", 1490),
         ("GIFTBOX", "Tasting box", 2890), ("GRINDER", "Hand grinder", 8900),
         ("FILTER", "Filters x100", 500)]
STORES = {"EUR": ("roastery-berlin", "+01:00"), "GBP": ("roastery-london", "+00:00"),
          "JPY": ("roastery-berlin", "+01:00")}
# Weekdays of two ISO weeks with a week without sales between them, a day
# late in December and 2027-01-02, which is in ISO week 2026-W53.
DAYS = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27",
        "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-28",
        "2027-01-02"]


def generated_events():
    rng = random.Random(20261120)
    events = []
    n = 0
    for day in DAYS:
        for k in range(rng.randint(4, 7)):
            n += 1
            sid = f"G{n:04d}"
            currency = "EUR" if k else rng.choice(["GBP", "JPY", "EUR"])
            store, tz = STORES[currency]
            events.append({"type": "sale.begin", "sale": sid, "store": store,
                           "terminal": "T2", "cashier": "ole",
                           "at": f"{day}T{9 + k:02d}:{rng.randint(0, 59):02d}:00{tz}",
                           "currency": currency})
            total = 0
            lines = []
            for i in range(rng.randint(1, 3)):
                sku, name, price = rng.choice(ITEMS)
                if currency == "JPY":
                    price = price // 10 * 17
                qty = rng.randint(1, 3)
                gross = price * qty
                tax = gross * 7 // 107
                line = f"L{i + 1}"
                lines.append(line)
                events.append({"type": "sale.line", "sale": sid, "line": line, "sku": sku,
                               "name": name, "qty": qty, "unit_price": price,
                               "net": gross - tax, "tax": tax})
                total += gross
            kind = rng.choice(["own", "untagged", "gift", "resale", "resale", "mixed"])
            if kind == "own":
                events.append({"type": "sale.tag", "sale": sid, "purpose": "own_use"})
            elif kind == "gift":
                events.append({"type": "sale.tag", "sale": sid, "purpose": "gift",
                               "recipient": {"name": "Oma <Hilde> & Opa"},
                               "gift_receipt": True})
            elif kind in ("resale", "mixed"):
                events.append({"type": "sale.customer", "sale": sid,
                               "customer": rng.choice(RESELLERS)})
                tag = {"type": "sale.tag", "sale": sid, "purpose": "resale"}
                if kind == "mixed":
                    tag["line"] = lines[-1]
                events.append(tag)
            events.append({"type": "sale.total", "sale": sid})
            if rng.random() < 0.1:
                events.append({"type": "sale.void", "sale": sid, "reason": "changed mind"})
            else:
                events.append({"type": "sale.complete", "sale": sid, "total": total,
                               "tenders": [{"type": "card", "amount": total}]})
    return events


# ---- parsing the page --------------------------------------------------------------


class Page(HTMLParser):
    """The table#report (caption, headers, rows), every tag seen, and the
    charts: per currency the periods in order and the titled rects."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.caption = ""
        self.headers, self.rows = [], []
        self.totals = []   # the <tfoot> rows: totals per currency
        self.ticks = []    # the chart's period axis, as shown
        self.tick = None
        self.in_table = self.in_caption = self.in_body = self.in_foot = False
        self.cell = None
        self.tables = 0
        self.charts = {}   # currency -> {"periods": [...], "values": {(p, purpose): str}}
        self.legends = {}  # currency -> text
        self.svg_cur = None
        self.period = None
        self.title = None
        self.legend = None
        self.body_tags = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "table":
            self.tables += 1
            self.in_table = a.get("id") == "report"
        elif self.in_table and tag == "caption":
            self.in_caption = True
        elif self.in_table and tag == "tbody":
            self.in_body = True
        elif self.in_table and tag == "tr" and self.in_body:
            self.rows.append([])
        elif self.in_table and tag == "tfoot":
            self.in_foot = True
        elif self.in_table and tag == "tr" and self.in_foot:
            self.totals.append([])
        elif self.in_table and tag in ("td", "th"):
            if self.in_body:
                self.body_tags.append(tag)
            self.cell = ""
        elif self.in_body:
            self.body_tags.append(tag)
        if tag == "svg" and "aria-label" in a:
            self.svg_cur = a["aria-label"].rsplit(", ", 1)[1]
            self.charts[self.svg_cur] = {"periods": [], "values": {}, "label": a["aria-label"]}
        elif tag == "g" and self.svg_cur and "data-period" in a:
            self.period = a["data-period"]
            self.charts[self.svg_cur]["periods"].append(self.period)
        elif tag == "title" and self.period:
            self.title = ""
        elif tag == "figcaption":
            self.legend = ""
        elif tag == "text" and a.get("class") == "tick" and a.get("text-anchor") == "middle":
            self.tick = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = self.in_body = self.in_foot = False
        elif tag == "tbody":
            self.in_body = False
        elif tag == "tfoot":
            self.in_foot = False
        elif tag == "text" and self.tick is not None:
            self.ticks.append(self.tick)
            self.tick = None
        elif tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None:
            if self.in_foot:
                self.totals[-1].append(self.cell)
            elif self.in_body:
                self.rows[-1].append(self.cell)
            else:
                self.headers.append(self.cell)
            self.cell = None
        elif tag == "g":
            self.period = None
        elif tag == "title" and self.title is not None:
            m = re.fullmatch(r"(\S+) (own use|gift|resale): (-?[0-9.]+) ([A-Z]{3})",
                             self.title)
            if check(m, f"chart title {self.title!r}"):
                key = (m.group(1), m.group(2).replace(" ", "_"))
                self.charts[self.svg_cur]["values"][key] = m.group(3)
            self.title = None
        elif tag == "figcaption":
            self.legends[self.svg_cur] = self.legend
            self.legend = None
            self.svg_cur = None

    def handle_data(self, data):
        if self.tick is not None:
            self.tick += data
        if self.cell is not None:
            self.cell += data
        elif self.in_caption:
            self.caption += data
        if self.title is not None:
            self.title += data
        if self.legend is not None:
            self.legend += data


def parse_csv(text):
    return list(csv.reader(io.StringIO(text, newline="")))


# ---- the calendar, as docs/reports.md defines periods ----------------------------


def label(unit, d):
    if unit == "day":
        return d.isoformat()
    if unit == "month":
        return d.strftime("%Y-%m")
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def periods(unit, lo, hi):
    out, d = [], lo
    while d <= hi:
        lab = label(unit, d)
        if not out or out[-1] != lab:
            out.append(lab)
        d += datetime.timedelta(days=1)
    return out


def day(s):
    return datetime.date.fromisoformat(s)


# ---- running things ------------------------------------------------------------


class Cli:
    def __init__(self, posintent, db, manifest, wrapper):
        self.posintent, self.db, self.manifest, self.wrapper = posintent, db, manifest, wrapper

    def run(self, args, wrap=False, env=None, stdout=subprocess.PIPE, manifest=None):
        cmd = (self.wrapper if wrap else []) + [self.posintent, "--db", self.db]
        if manifest:
            cmd += ["--manifest", manifest]
        return subprocess.run(cmd + args, stdout=stdout, stderr=subprocess.PIPE,
                              env=env, timeout=600)

    def text(self, args, wrap=False, manifest=None):
        r = self.run(args, wrap=wrap, manifest=manifest)
        check(r.returncode == 0,
              f"posintent {' '.join(args)}: exit {r.returncode}: {r.stderr.decode()[:600]}")
        return r.stdout.decode("utf-8")


def check_self_contained(html, name):
    low = html.lower()
    check(re.match(r'<!doctype html>\s*<html lang="en">\s*<head>\s*<meta charset="utf-8">',
                   low), f"{name}: doctype and <meta charset> first")
    for bad in ("<script", "src=", "@import", "url(", "<link", "<img", "<iframe",
                "<object", "<embed", "href=", "javascript:", "<base", "srcset"):
        check(bad not in low, f"{name}: contains {bad!r}")
    csp = 'http-equiv="Content-Security-Policy" content="default-src \'none\'; ' \
          'style-src \'unsafe-inline\'"'
    check(html.count(csp) == 1, f"{name}: the Content-Security-Policy meta")
    check("http" not in low.replace(csp.lower(), ""), f"{name}: 'http' outside the CSP meta")
    check("@media print" in html and "@page" in html, f"{name}: print styles")
    check(HOSTILE not in html and "<b>Tom" not in html,
          f"{name}: a customer name went out as markup")



def check_table(page, csv_rows, name, caption_parts):
    check(page.tables == 1, f"{name}: {page.tables} tables, want 1")
    check(page.headers == csv_rows[0],
          f"{name}: headers {page.headers} != CSV {csv_rows[0]}")
    check(len(page.rows) == len(csv_rows) - 1,
          f"{name}: {len(page.rows)} rows, CSV has {len(csv_rows) - 1}")
    for i, (got, want) in enumerate(zip(page.rows, csv_rows[1:])):
        if not check(got == want, f"{name}: row {i + 1}: {got} != CSV {want}"):
            break
    check(set(page.body_tags) <= {"td"}, f"{name}: markup inside cells: {page.body_tags}")
    for part in caption_parts:
        check(part in page.caption, f"{name}: caption {page.caption!r} lacks {part!r}")
    # Totals per currency under the rows (issue 18, point 4): one <tfoot>
    # row per currency, "Total", and the exact sums of the amount columns;
    # counts are not added up.
    h = csv_rows[0]
    if "currency" in h and "net" in h:
        ic = h.index("currency")
        sums = [c for c in ("net", "tax", "returned_net", "returned_tax") if c in h]
        want = {}
        for r in csv_rows[1:]:
            t = want.setdefault(r[ic], {c: Decimal(0) for c in sums})
            for c in sums:
                t[c] += Decimal(r[h.index(c)])
        got = {}
        for r in page.totals:
            if check(len(r) == len(h) and r[0] in ("Total", r[ic]),
                     f"{name}: total row {r}"):
                got[r[ic]] = {c: Decimal(r[h.index(c)]) for c in sums}
                check(all(r[h.index(c)] == "" for c in ("sales", "lines") if c in h),
                      f"{name}: counts totalled in {r}")
        check(got == want, f"{name}: totals {got} != {want}")


def purposes_totals(csv_rows):
    """(period, currency, purpose) -> net, and the periods with sales."""
    h = csv_rows[0]
    ip, ic, iu, inet = (h.index(c) for c in ("period", "currency", "purpose", "net"))
    tot = {}
    for r in csv_rows[1:]:
        k = (r[ip], r[ic], r[iu])
        tot[k] = tot.get(k, Decimal(0)) + Decimal(r[inet])
    return tot


def check_chart(page, tot, unit, lo, hi, name):
    """The chart's periods are every period from lo to hi; each rect's
    amount is the purposes CSV's total; the legend's totals are exact."""
    want_periods = periods(unit, lo, hi)
    currencies = sorted({c for (_, c, _) in tot})
    check(sorted(page.charts) == currencies,
          f"{name}: charts for {sorted(page.charts)}, want {currencies}")
    for cur, ch in page.charts.items():
        check(f"per {unit}," in ch["label"], f"{name}: chart {ch['label']!r} is not per {unit}")
        check(ch["periods"] == want_periods,
              f"{name} {cur}: periods {ch['periods'][:5]}... != {want_periods[:5]}...")
        want = {(p, u): v for (p, c, u), v in tot.items() if c == cur and v != 0}
        got = {k: Decimal(v) for k, v in ch["values"].items()}
        check(got == want, f"{name} {cur}: chart values differ: {sorted(set(got.items()) ^ set(want.items()))[:6]}")
        for purpose in ("own_use", "gift", "resale"):
            total = sum((v for (p, c, u), v in tot.items() if c == cur and u == purpose),
                        Decimal(0))
            words = purpose.replace("_", " ")
            m = re.search(re.escape(words) + r" (-?[0-9.]+)", page.legends.get(cur, ""))
            check(m and Decimal(m.group(1)) == total and m.group(1).count(".") <= 1,
                  f"{name} {cur}: legend {words} {m and m.group(1)} != {total}")


# ---- PNG and PDF --------------------------------------------------------------------


def png_pixels(path, max_rows):
    """(width, height, set of RGB colours of the first max_rows rows)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, ctype = ihdr[:4]
    if depth != 8 or ctype not in (2, 6):
        return width, height, None
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = set()
    for y in range(min(height, max_rows)):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        for x in range(0, stride, bpp):
            colours.add(bytes(line[x:x + 3]))
        prev = line
    return width, height, colours


def chromium(browser, url, out_dir, base):
    shot = os.path.join(out_dir, base + ".png")
    pdf = os.path.join(out_dir, base + ".pdf")
    for f in (shot, pdf):
        if os.path.exists(f):
            os.unlink(f)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--hide-scrollbars"]
    for what in ([f"--screenshot={shot}", "--window-size=1200,1600"],
                 [f"--print-to-pdf={pdf}", "--no-pdf-header-footer"]):
        profile = tempfile.mkdtemp(prefix="posintent-chromium-")
        try:
            env = dict(os.environ, HOME=profile)
            r = subprocess.run([browser] + flags + [f"--user-data-dir={profile}"] + what + [url],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               timeout=180)
            check(r.returncode == 0, f"chromium {what[0]}: exit {r.returncode}: "
                                     f"{r.stderr.decode(errors='replace')[-800:]}")
        finally:
            shutil.rmtree(profile, ignore_errors=True)
    return shot, pdf


def check_rendering(browser, page_path, out_dir, base):
    shot, pdf = chromium(browser, "file://" + page_path, out_dir, base)
    if not check(os.path.exists(shot), f"{base}: no screenshot"):
        return
    px = png_pixels(shot, 900)
    if not check(px is not None, f"{base}: the screenshot is not a PNG"):
        return
    width, height, colours = px
    check((width, height) == (1200, 1600), f"{base}: screenshot {width}x{height}")
    check(os.path.getsize(shot) > 20000, f"{base}: screenshot of {os.path.getsize(shot)} bytes")
    if check(colours is not None, f"{base}: unexpected PNG format"):
        check(len(colours) > 16, f"{base}: {len(colours)} colours: blank?")
        for hexc in ("88CCEE", "CC6677", "332288"):
            check(bytes.fromhex(hexc) in colours, f"{base}: chart colour #{hexc} not rendered")
    if check(os.path.exists(pdf), f"{base}: no PDF"):
        data = open(pdf, "rb").read()
        check(data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:] and len(data) > 5000,
              f"{base}: not a PDF ({len(data)} bytes)")
        check(b"/Type /Page" in data or b"/Type/Page" in data, f"{base}: a PDF without pages")


# ---- the test -------------------------------------------------------------------------


def main():
    host, posintent, manifest, events_path, out_dir = sys.argv[1:6]
    wrapper = sys.argv[6:]
    os.makedirs(out_dir, exist_ok=True)
    out_dir = os.path.abspath(out_dir)
    tmp = tempfile.mkdtemp(prefix="posintent-html-test-")
    try:
        # The "warn" policy records resale without valid evidence, flagged:
        # the reseller report then has invalid and missing rows.
        m = json.load(open(manifest, encoding="utf-8"))
        m["config"]["policy"]["resale_evidence"] = "warn"
        warn_manifest = os.path.join(tmp, "warn.manifest")
        json.dump(m, open(warn_manifest, "w", encoding="utf-8"))
        events = os.path.join(tmp, "events.jsonl")
        with open(events, "w", encoding="utf-8") as f:
            f.write(open(events_path, encoding="utf-8").read())
            for ev in generated_events():
                f.write(json.dumps(ev, ensure_ascii=False) + "\n")
        db = os.path.join(tmp, "sales.db")
        r = subprocess.run([host, "--manifest", warn_manifest, "--db", db, "--events", events,
                            "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300)
        if r.returncode != 0:
            print(r.stderr.decode(), file=sys.stderr)
            print(f"pos-host exited {r.returncode}")
            return 1
        replies = [json.loads(l) for l in r.stdout.decode().splitlines()]
        check(all(x["ok"] for x in replies[-400:]), "a generated event was refused")
        cli = Cli(posintent, db, manifest, wrapper)
        run_reports(cli, tmp, out_dir)
        run_failures(cli, tmp)
        if not wrapper:
            browser = shutil.which("chromium")
            if check(browser, "chromium is not installed (scripts/deps.sh --test)"):
                for base in ("resellers", "purposes-week"):
                    check_rendering(browser, os.path.join(out_dir, base + ".html"), out_dir,
                                    base)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in FAILURES:
        print("FAIL:", f)
    print(f"{len(FAILURES)} failures; pages and screenshots in {out_dir}")
    return 1 if FAILURES else 0


def run_reports(cli, tmp, out_dir):
    by_day = parse_csv(cli.text(["report", "purposes", "--by", "day"]))
    days_with_sales = sorted({r[0] for r in by_day[1:]})
    first, last = day(days_with_sales[0]), day(days_with_sales[-1])
    check(first == day("2026-11-20") and last == day("2027-01-02"),
          f"sales from {first} to {last}")
    # name, report args, caption parts, chart unit, axis lo, hi
    cases = [
        ("resellers", ["report", "resellers"], ["Resellers", "every recorded day", "all stores"],
         "week", first, last),
        ("resellers-range", ["report", "resellers", "--from", "2026-11-23", "--to",
                             "2026-11-27", "--store", "roastery-berlin"],
         ["2026-11-23 to 2026-11-27", "store roastery-berlin"], "day", day("2026-11-23"),
         day("2026-11-27")),
        ("resellers-year", ["report", "resellers", "--detail", "--from", "2026-01-01",
                            "--to", "2027-06-30"],
         ["Resale lines", "2026-01-01 to 2027-06-30", "all stores"], "month",
         day("2026-01-01"), day("2027-06-30")),
        ("purposes-week", ["report", "purposes", "--by", "week"],
         ["Sales by purpose per week", "every recorded day"], "week", first, last),
        ("purposes-day", ["report", "purposes", "--by", "day", "--from", "2026-11-20",
                          "--to", "2026-12-10", "--store", "roastery-berlin"],
         ["2026-11-20 to 2026-12-10", "store roastery-berlin"], "day", day("2026-11-20"),
         day("2026-12-10")),
        ("purposes-month", ["report", "purposes", "--by", "month", "--to", "2026-12-31"],
         ["up to 2026-12-31"], "month", first, day("2026-12-31")),
        ("purposes-whole", ["report", "purposes", "--from", "2026-11-01"],
         ["from 2026-11-01"], None, None, None),
        ("purposes-all", ["report", "purposes"], ["every recorded day"], None, None, None),
    ]
    for name, args, caption, unit, lo, hi in cases:
        csv_text = cli.text(args)
        html = cli.text(args + ["--format", "html"], wrap=True)
        with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
            f.write(html)
        page = Page()
        page.feed(html)
        page.close()
        csv_rows = parse_csv(csv_text)
        check(len(csv_rows) > 2, f"{name}: only {len(csv_rows)} CSV rows")
        check_self_contained(html, name)
        check_table(page, csv_rows, name, caption)
        if any(HOSTILE in r for r in page.rows):
            # Each of & < > " ' as its entity, not only what a parser needs.
            check(f"<td class=\"w\">{ESCAPED}</td>" in html,
                  f"{name}: the name is not escaped as it should be")
        # The chart's figures: the purposes of the same range and store, in
        # the chart's periods.
        scope = [a for a in args if a not in ("resellers", "purposes", "report", "--detail")]
        scope = [a for i, a in enumerate(scope)
                 if a != "--by" and (i == 0 or scope[i - 1] != "--by")]
        if unit is None:
            # The one column's label is the range in words (issue 18,
            # point 4): "from 2026-11-01", "every recorded day", never "../..".
            check(page.ticks and all(t == caption[0] for t in page.ticks),
                  f"{name}: axis labels {page.ticks} != {caption[0]!r}")
            tot = purposes_totals(csv_rows)
            check(all(len(c["periods"]) == 1 for c in page.charts.values()) and page.charts,
                  f"{name}: the whole range is one column")
            for cur, c in page.charts.items():
                want = {(p, u): v for (p, cc, u), v in tot.items() if cc == cur and v}
                check({k: Decimal(v) for k, v in c["values"].items()} == want,
                      f"{name} {cur}: chart values differ")
            continue
        tot = purposes_totals(parse_csv(cli.text(["report", "purposes", "--by", unit] + scope)))
        check_chart(page, tot, unit, lo, hi, name)
    # The hostile names are in the reseller table as text, formula guard
    # included (the same as in the CSV, which check_table compared).
    page = Page()
    page.feed(open(os.path.join(out_dir, "resellers.html"), encoding="utf-8").read())
    names = {r[3] for r in page.rows}
    check(HOSTILE in names, f"{HOSTILE!r} not among {names}")
    check("'=SUM(1+2)" in names and "'@Home Café ☕" in names, f"formula guard: {names}")
    verdicts = {r[2].split(":")[0] for r in page.rows}
    check(verdicts == {"valid", "invalid", "missing"}, f"verdicts {verdicts}")
    check(len(page.charts) == 3, f"resellers: charts {sorted(page.charts)}")
    # report_row hooks: their columns are in the page as in the CSV.
    scripts = os.path.join(tmp, "scripts")
    os.makedirs(scripts)
    with open(os.path.join(scripts, "region.lua"), "w") as f:
        f.write('return { report_row = function(row)\n'
                '  return { region = row.country == "AT" and "alpine & <co>" or "other" }\n'
                'end }\n')
    m = json.load(open(cli.manifest, encoding="utf-8"))
    m["config"]["scripts"]["dir"] = scripts
    hooked = os.path.join(tmp, "hooked.manifest")
    json.dump(m, open(hooked, "w", encoding="utf-8"))
    for args in (["report", "resellers"], ["report", "purposes", "--by", "month"]):
        csv_rows = parse_csv(cli.text(args, manifest=hooked))
        html = cli.text(args + ["--format", "html"], manifest=hooked, wrap=True)
        page = Page()
        page.feed(html)
        check(csv_rows[0][-1] == "region", f"hooked {args}: CSV header {csv_rows[0]}")
        check_table(page, csv_rows, f"hooked {args[1]}", [])
        check_self_contained(html, f"hooked {args[1]}")


def run_failures(cli, tmp):
    # An empty range: a page with the headers, no rows and no chart.
    html = cli.text(["report", "purposes", "--format", "html", "--from", "2030-01-01",
                     "--to", "2030-01-31"], wrap=True)
    page = Page()
    page.feed(html)
    check(page.headers and not page.rows and not page.charts and "No sales" in html,
          "empty purposes page")
    # Usage errors: exit 2, nothing on stdout.
    for args, want in ((["report", "gifts", "--format", "html"], "csv, json or table"),
                       (["report", "purposes", "--format", "htm"], "table or html"),
                       (["report", "resellers", "--format", "html", "--from", "2026-12-01",
                         "--to", "2026-11-01"], "is after --to")):
        r = cli.run(args)
        check(r.returncode == 2 and not r.stdout and want in r.stderr.decode(),
              f"{args}: exit {r.returncode}, stderr {r.stderr.decode()!r}")
    # The help names the format.
    r = cli.run(["report", "--help"])
    check(r.returncode == 0 and b"--format csv|json|table|html" in r.stdout, "report --help")
    # A full disk: exit 3 and a message.
    if os.path.exists("/dev/full"):
        with open("/dev/full", "wb") as full:
            r = cli.run(["report", "resellers", "--format", "html"], wrap=True, stdout=full)
        check(r.returncode == 3 and b"posintent: report resellers: cannot write" in r.stderr,
              f"/dev/full: exit {r.returncode}, {r.stderr.decode()!r}")
    # No temporary directory: exit 3, a message naming it, nothing written.
    # (Not under valgrind, which needs TMPDIR itself.)
    env = dict(os.environ, TMPDIR=os.path.join(tmp, "does-not-exist"))
    r = cli.run(["report", "purposes", "--format", "html"], env=env)
    check(r.returncode == 3 and not r.stdout and b"temporary file" in r.stderr,
          f"TMPDIR missing: exit {r.returncode}, {r.stderr.decode()!r}")
    # A failing report_row hook under fail_closed: exit 3, nothing written.
    scripts = os.path.join(tmp, "bad-scripts")
    os.makedirs(scripts)
    with open(os.path.join(scripts, "boom.lua"), "w") as f:
        f.write('return { report_row = function(row) error("boom") end }\n')
    m = json.load(open(cli.manifest, encoding="utf-8"))
    m["config"]["scripts"].update(dir=scripts, on_error="fail_closed")
    bad = os.path.join(tmp, "bad.manifest")
    json.dump(m, open(bad, "w", encoding="utf-8"))
    r = cli.run(["report", "resellers", "--format", "html"], wrap=True, manifest=bad)
    check(r.returncode == 3 and not r.stdout and b"boom" in r.stderr,
          f"failing hook: exit {r.returncode}, {len(r.stdout)} bytes out, "
          f"{r.stderr.decode()[:300]!r}")


if __name__ == "__main__":
    sys.exit(main())
