#!/usr/bin/env python3
"""Prints the metric families of FIXTURE that none of the CATALOGUE files has yet.

Usage: pending_families.py FIXTURE CATALOGUE...

A family is the block of `# HELP` / `# TYPE` lines and samples of one name in the text
exposition format. Dashboards and rules may use families that another change adds to the
exporter; the fixture stands in for them until the exporter's golden file has them, and then
the golden wins (its families are never printed twice). Prints nothing when nothing is pending.
Python 3 standard library only.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TYPE_RE = re.compile(r"^# TYPE (\S+) \S+")
SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)")


def families(text: str) -> dict[str, list[str]]:
    """Family name -> its lines (HELP, TYPE, samples), in file order; other comments are dropped."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"^# (?:HELP|TYPE) (\S+)", line)
        if m:
            current = m.group(1)
            blocks.setdefault(current, []).append(line)
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if m and current and m.group(1).startswith(current):
            blocks[current].append(line)
    return blocks


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    fixture, catalogues = Path(argv[0]), [Path(p) for p in argv[1:]]
    known: set[str] = set()
    for path in catalogues:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = TYPE_RE.match(line)
            if m:
                known.add(m.group(1))
    for name, lines in families(fixture.read_text(encoding="utf-8")).items():
        if name not in known:
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
