# SPDX-License-Identifier: MIT
"""The throwaway PostgreSQL of the tests (tests/pg_server.sh), from Python.

    import pgtest
    pg = pgtest.Server(STATE)          # STATE: the file pg_server.sh wrote
    url = pg.new_database("sync")      # a fresh database of its own
    rows = pg.query(url, "SELECT 1")   # [["1"]], through psql
    pg.restart()

Each test makes databases of its own, so tests sharing the server (CTest
runs them in parallel) never see each other's rows.  A missing STATE is a
failure with a clear message, never a skip: the server's fixture
(pg_start) did not run or failed.
"""
import os
import subprocess
import sys
import uuid


class Server:
    def __init__(self, state):
        if not os.path.exists(state):
            print(f"FAIL no PostgreSQL: {state} is missing (the pg_start fixture "
                  "did not run or failed; see its output)")
            sys.exit(1)
        self.env = {}
        with open(state, encoding="utf-8") as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                self.env[key] = value.strip("'")
        self.state = state
        self.host = self.env["PG_HOST"]
        self.password = self.env["PG_PASSWORD"]
        self.bindir = self.env["PG_BINDIR"]
        self.script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                   "pg_server.sh")

    def url(self, db, password=None):
        pw = self.password if password is None else password
        return f"postgresql://chain:{pw}@/{db}?host={self.host}"

    def psql(self, url, sql, check=True):
        """Run sql through psql (unaligned, tuples only); the CompletedProcess."""
        p = subprocess.run([os.path.join(self.bindir, "psql"), "-X", "-q", "-A", "-t",
                            "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                           capture_output=True, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"psql failed on {sql!r}: {p.stderr}")
        return p

    def query(self, url, sql):
        out = self.psql(url, sql).stdout
        return [line.split("\t") for line in out.splitlines() if line != ""]

    def new_database(self, prefix):
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        self.psql(self.url("postgres"), f"CREATE DATABASE {name}")
        return self.url(name)

    def restart(self):
        subprocess.run([self.script, "restart", self.state], check=True)
