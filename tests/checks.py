# SPDX-License-Identifier: MIT
"""The verdicts of a Python test: check() records one, finish() reports.

    from checks import check, failures, finish
    check("the till exits 0", rc == 0, stderr)
    finish("two tills")      # prints each failure and a count, then exits

`failures` is the list of failed checks ("what: detail"); a test may add to
it directly for a failure that is not a check.  finish() exits 1 when any
check failed, else 0.
"""
import sys

failures = []
_checked = 0


def check(what, ok, detail=""):
    """Count a check; record it as failed, with its detail, unless ok."""
    global _checked
    _checked += 1
    if not ok:
        failures.append(f"{what}: {detail}")
    return ok


def finish(label):
    """Print every failure and the tally under `label`, and exit."""
    for f in failures:
        print("FAIL", f)
    print(f"{label}: {_checked} checks, {len(failures)} failed")
    sys.exit(1 if failures else 0)
