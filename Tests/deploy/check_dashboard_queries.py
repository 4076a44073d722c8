#!/usr/bin/env python3
"""Runs every dashboard query through promtool, against the exporter's catalogue.

Usage: check_dashboard_queries.py {syntax|data} CATALOGUE... [--dashboards DIR]

Grafana variables are replaced as Grafana's "All" would ($job, $instance, $action, $model
become .*; $__rate_interval becomes 1m, four 15s scrapes), then each panel query and each
label_values() variable query becomes one alerting rule, expr: absent(QUERY), in a temporary
rule file.

  syntax  `promtool check rules` on that file: every query is valid PromQL.
  data    `promtool test rules`: the catalogue's series (every sample of each CATALOGUE, with
          job and instance labels added, rising by 1 every 15s) are loaded and, 5 minutes in, no
          absent() alert may fire, so every query returns data. This catches a label value or
          label name that the exporter does not produce (outcome="success", by (reason), ...).
          For label_values(metric, label), the metric must carry a non-empty label.

Prints one line per problem naming the dashboard, panel and query; exits 1 on a problem,
2 on bad usage. Python 3 standard library and promtool ($PROMTOOL or on PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SUBSTITUTIONS = [
    (re.compile(r"\$\{?__rate_interval\}?"), "1m"),
    (re.compile(r"\$\{?__interval\}?"), "15s"),
    (re.compile(r"\$\{?__range\}?"), "5m"),
    (re.compile(r"\$\{?(job|instance|action|model)\}?"), ".*"),
]
LABEL_VALUES_RE = re.compile(r"^\s*label_values\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)
SAMPLE_RE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+\S+")
CATALOGUE_JOB = "suno-exporter"
CATALOGUE_INSTANCE = "catalogue:9877"


def substitute(expr: str) -> str:
    for pattern, value in SUBSTITUTIONS:
        expr = pattern.sub(value, expr)
    return expr


def label_values_query(query: str) -> str | None:
    """label_values(sel, label) -> count(sel{label!=""}); None for other variable queries."""
    m = LABEL_VALUES_RE.match(query)
    if not m:
        return None
    selector, label = m.group(1), m.group(2)
    if selector.endswith("}"):
        inner = selector[selector.index("{") + 1 : -1].strip()
        selector = selector[: selector.index("{")] + "{" + (inner + ", " if inner else "") + f'{label}!=""}}'
    else:
        selector = f'{selector}{{{label}!=""}}'
    return f"count({selector})"


def collect_queries(dashboards: list[Path], problems: list[str]) -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and label_values() variable."""
    out = []
    for path in dashboards:
        try:
            dash = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            problems.append(f"{path.name}: does not parse as JSON: {err}")
            continue
        for var in (dash.get("templating") or {}).get("list", []):
            if var.get("type") != "query":
                continue
            query = var.get("query")
            query = query.get("query", "") if isinstance(query, dict) else str(query or "")
            promql = label_values_query(substitute(query))
            if promql is None:
                problems.append(f"{path.name}: variable '{var.get('name')}': only label_values() is checked: {query}")
                continue
            out.append((f"{path.name}: variable '{var.get('name')}'", promql))

        def walk(panels):
            for panel in panels or []:
                yield panel
                yield from walk(panel.get("panels"))

        for panel in walk(dash.get("panels")):
            for target in panel.get("targets") or []:
                expr = (target.get("expr") or "").strip()
                if expr:
                    where = f"{path.name}: panel {panel.get('title')!r} target {target.get('refId')}"
                    out.append((where, substitute(expr)))
    return out


def rules_file(queries: list[tuple[str, str]]) -> str:
    # JSON is valid YAML and needs no quoting rules of its own.
    rules = [{"alert": f"Q{i:03d}", "expr": f"absent({expr})"} for i, (_, expr) in enumerate(queries)]
    return json.dumps({"groups": [{"name": "dashboard-queries", "rules": rules}]}, indent=1)


def catalogue_series(catalogues: list[Path]) -> list[str]:
    series = []
    seen = set()
    lines = [line for c in catalogues for line in c.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            continue
        body = (m.group(2) or "{}")[1:-1].strip().rstrip(",")
        extra = []
        if not re.search(r"(^|[,{\s])job\s*=", body):
            extra.append(f'job="{CATALOGUE_JOB}"')
        if not re.search(r"(^|[,{\s])instance\s*=", body):
            extra.append(f'instance="{CATALOGUE_INSTANCE}"')
        labels = ", ".join([p for p in [body] if p] + extra)
        text = f"{m.group(1)}{{{labels}}}"
        if text not in seen:
            seen.add(text)
            series.append(text)
    return series


def test_file(queries: list[tuple[str, str]], series: list[str]) -> str:
    return json.dumps({
        "rule_files": ["rules.yml"],
        "evaluation_interval": "15s",
        "tests": [{
            "interval": "15s",
            "input_series": [{"series": s, "values": "1+1x40"} for s in series],
            "alert_rule_test": [{"eval_time": "5m", "alertname": f"Q{i:03d}"} for i in range(len(queries))],
        }],
    }, indent=1)


def run(cmd: list[str], cwd: str) -> tuple[int, str]:
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["syntax", "data"])
    parser.add_argument("catalogue", type=Path, nargs="+")
    parser.add_argument("--dashboards", type=Path, default=REPO / "grafana" / "dashboards")
    args = parser.parse_args(argv)

    promtool = os.environ.get("PROMTOOL") or shutil.which("promtool")
    if not promtool:
        print("promtool not found (set PROMTOOL or install the prometheus package)", file=sys.stderr)
        return 2
    for path in args.catalogue:
        if not path.is_file():
            print(f"{path}: catalogue file not found", file=sys.stderr)
            return 2
    catalogue_name = " + ".join(p.name for p in args.catalogue)
    dashboards = sorted(args.dashboards.glob("*.json"))
    if not dashboards:
        print(f"{args.dashboards}: no dashboard (*.json) found", file=sys.stderr)
        return 2

    problems: list[str] = []
    queries = collect_queries(dashboards, problems)
    name = f"check_dashboard_queries {args.mode}"
    with tempfile.TemporaryDirectory(prefix="suno-dashboard-queries-") as tmp:
        Path(tmp, "rules.yml").write_text(rules_file(queries), encoding="utf-8")
        if args.mode == "syntax":
            code, output = run([promtool, "check", "rules", "rules.yml"], tmp)
            if code != 0:
                flagged = set(re.findall(r"\bQ(\d{3})\b", output))
                for i in sorted(flagged):
                    where, expr = queries[int(i)]
                    problems.append(f"{where}: not valid PromQL: {expr}")
                if not flagged:
                    problems.append("promtool check rules failed: " + " ".join(output.split()))
        else:
            series = catalogue_series(args.catalogue)
            Path(tmp, "test.yml").write_text(test_file(queries, series), encoding="utf-8")
            code, output = run([promtool, "test", "rules", "test.yml"], tmp)
            if code != 0:
                flagged = sorted(set(re.findall(r"alertname: Q(\d{3})", output)))
                for i in flagged:
                    where, expr = queries[int(i)]
                    problems.append(f"{where}: returns no data on {catalogue_name}: {expr}")
                if not flagged:
                    problems.append("promtool test rules failed: " + " ".join(output.split()))

    for line in problems:
        print(line)
    if problems:
        print(f"{name}: {len(problems)} problem(s) in {len(queries)} queries")
        return 1
    print(f"{name}: OK, {len(queries)} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
