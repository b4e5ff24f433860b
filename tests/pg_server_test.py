#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The throwaway PostgreSQL (tests/pg_server.sh) is up, and real.

The fixture's server answers on its unix socket, runs as a user that is
not root, refuses a wrong password, and a database made for one test is
its own.  A server that is not there fails this test (never a skip).

usage: pg_server_test.py STATE
"""
import sys

import pgtest
from checks import check, finish

pg = pgtest.Server(sys.argv[1])
url = pg.new_database("smoke")
rows = pg.query(url, "SELECT current_user, current_database(), "
                "(SELECT usename FROM pg_user WHERE usesysid = "
                " (SELECT datdba FROM pg_database WHERE datname = 'template1'))")
check("the server answers", len(rows) == 1 and rows[0][0] == "chain", rows)
check("the database is the test's own", rows and rows[0][1].startswith("smoke_"), rows)
who = pg.query(url, "SELECT pg_read_file('postmaster.pid', 0, 0) IS NOT NULL")
check("the server reads its own folder", who == [["t"]], who)
bad = pg.psql(pg.url("postgres", password="wrong"), "SELECT 1", check=False)
check("a wrong password is refused", bad.returncode != 0 and
      "password authentication failed" in bad.stderr, bad.stderr)
finish("pg server")
