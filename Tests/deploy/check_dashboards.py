#!/usr/bin/env python3
"""Static contract check for the Grafana dashboards and the Prometheus rules.

Usage: check_dashboards.py CATALOGUE... [--dashboards DIR] [--rules FILE]... [--text FILE]...

Each CATALOGUE is a Prometheus text exposition (the exporter's golden /metrics output; when
that golden has no process_* metrics, add Tests/deploy/fixtures/process-metrics.prom). Their
`# TYPE` lines define the metric families; every `suno_*` or `process_*` name used by a
dashboard or a rule file must be one of them or a series derived from one (`_bucket`, `_sum`,
`_count` of a histogram, `_total` of an OpenMetrics-style counter).

Dashboards (every *.json in --dashboards, default grafana/dashboards):
  - the JSON parses; `uid` equals the file name without .json; `tags` has "suno-exporter";
  - templating has a `datasource` variable of type datasource (prometheus) and the cascading
    query variables job -> instance -> action -> model, each querying through ${datasource};
  - every panel but rows has a description and a datasource referencing ${datasource}, and so
    does each of its targets that names one; panel ids are unique; panels fit the 24-column grid;
  - every range selector is [$__rate_interval] (never a fixed [5m], nor $__interval);
  - every metric selector in a panel filters on job=~"$job" and instance=~"$instance";
  - every label matched on a metric exists on that metric in the catalogue, and every label of
    a by/without/on/ignoring clause on one of the query's metrics (job and instance are added
    by Prometheus and always allowed).
  - a panel reading suno_account_* (the quota service, polled every 5 minutes by default) sets a
    minimum interval ("interval") of at least 5m, so that $__rate_interval spans several polls;
  - links: every /d/UID link (dashboard, panel or data link) names a dashboard of the folder; the
    overview (uid suno-exporter) links to every other dashboard from its panels; a data link
    using ${__field.labels.X} or ${__data.fields.X} sits on a panel whose queries keep label X
    (by (...) X); a link to the exporter's /api/v1/tasks uses only the parameters it knows.
Rules (--rules, default deploy/prometheus/alerts.yml): every `expr:` is checked like a panel
query (names and labels), and `record:` names must follow level:metric:operations with a
catalogue metric in the middle. Free text (--text, default alerts.yml, alerts_test.yml and
runbooks.md) may only mention known names.

Prints one line per problem, then a summary; exits 1 when there is a problem, 2 on bad usage.
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPECTED_TAG = "suno-exporter"
REQUIRED_QUERY_VARS = ["job", "instance", "action", "model"]
# A variable must reference the ones before it in the cascade.
CASCADE = {"instance": ["job"], "action": ["job", "instance"], "model": ["job", "instance", "action"]}
DATASOURCE_REFS = {"${datasource}", "$datasource"}
# Labels that Prometheus attaches at scrape time, or that PromQL synthesises. pod and namespace
# come with Kubernetes service discovery (deploy/kubernetes), where rules sum shards
# "without (instance, pod)".
TARGET_LABELS = {"job", "instance", "pod", "namespace", "__name__"}

NAME_RE = re.compile(r"(?<![\w:$.])((?:suno|process)_[A-Za-z0-9_]+)(?![\w:])")
SELECTOR_RE = re.compile(r"(?<![\w:$.])((?:suno|process)_[A-Za-z0-9_]+)\s*(\{(?:[^{}\"]|\"(?:[^\"\\]|\\.)*\")*\})?")
MATCHER_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*\"((?:[^\"\\]|\\.)*)\"")
RANGE_RE = re.compile(r"\[([^\]]*)\]")
GROUPING_RE = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)")
RECORD_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:([a-zA-Z_][a-zA-Z0-9_]*):[a-zA-Z0-9_:]+$")
ALLOWED_RANGES = {"$__rate_interval", "${__rate_interval}"}


class Catalogue:
    """Metric families of an exposition file, the series names they produce, and their labels."""

    def __init__(self, paths: list[Path]):
        self.name = " + ".join(p.name for p in paths)
        self.families: dict[str, str] = {}  # family name -> type
        self.series: dict[str, str] = {}  # series name -> family name
        self.labels: dict[str, set[str]] = {}  # series name -> label names seen on samples
        for path in paths:
            self._read(path.read_text(encoding="utf-8"))

    def _read(self, text: str) -> None:
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                parts = line.split()
                if len(parts) >= 4:
                    self._add_family(parts[2], parts[3])
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s", line)
            if not m:
                continue
            names = {lm.group(1) for lm in MATCHER_RE.finditer(m.group(2) or "")}
            self.labels.setdefault(m.group(1), set()).update(names)

    def _add_family(self, name: str, kind: str) -> None:
        self.families[name] = kind
        if kind == "histogram" or kind == "gaugehistogram":
            derived = [name + "_bucket", name + "_sum", name + "_count", name + "_created"]
        elif kind == "summary":
            derived = [name, name + "_sum", name + "_count", name + "_created"]
        elif kind == "counter":
            # Text 0.0.4 writes the counter's full name (with _total) on its TYPE line;
            # OpenMetrics writes the base name and the samples carry _total.
            derived = [name] if name.endswith("_total") else [name + "_total", name + "_created"]
        elif kind == "info":
            derived = [name + "_info"]
        else:
            derived = [name]
        for series in derived:
            self.series[series] = name

    def problem_for(self, name: str, strict: bool) -> str | None:
        """Why `name` is not a series of the catalogue, or None when it is.

        strict: used inside PromQL, where a histogram's bare family name selects nothing.
        """
        if name in self.series:
            return None
        if name in self.families:
            if strict:
                return f"{name} is a {self.families[name]}: query {name}_bucket, _sum or _count"
            return None
        if name.endswith("_total") and name[: -len("_total")] in self.families:
            return None
        return f"{name} is not in the catalogue {self.name}"

    def record_metric_known(self, metric: str) -> bool:
        """Whether the middle part of a level:metric:ops name names a catalogue metric."""
        return metric in self.series or metric in self.families or (metric + "_total") in self.series


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        line = f"{where}: {message}"
        if line not in self.problems:
            self.problems.append(line)


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def check_expr(expr: str, where: str, cat: Catalogue, report: Report, *, panel: bool) -> None:
    """Names, label matchers and (for panels) the variable filters and range selectors."""
    for m in NAME_RE.finditer(expr):
        problem = cat.problem_for(m.group(1), strict=True)
        if problem:
            report.add(where, problem)
    for m in SELECTOR_RE.finditer(expr):
        name, body = m.group(1), m.group(2) or ""
        matchers = {lm.group(1): (lm.group(2), lm.group(3)) for lm in MATCHER_RE.finditer(body)}
        known = cat.labels.get(name)
        if known is not None:
            for label in matchers:
                if label not in known and label not in TARGET_LABELS and not (label == "le" and name.endswith("_bucket")):
                    report.add(where, f"{name} has no label {label!r} in the catalogue")
        if panel:
            for var in ("job", "instance"):
                op_value = matchers.get(var)
                if op_value is None or op_value[0] != "=~" or op_value[1] not in (f"${var}", f"${{{var}}}"):
                    report.add(where, f'{name} is not filtered by {var}=~"${var}"')
    # Grouping labels must exist on one of the metrics of the expression: a typo in by (...)
    # silently collapses every series into one.
    used = [m.group(1) for m in NAME_RE.finditer(expr)]
    available = set(TARGET_LABELS)
    for name in used:
        available |= cat.labels.get(name, set())
    if used and all(name in cat.labels for name in used):
        for g in GROUPING_RE.finditer(expr):
            for label in (x.strip() for x in g.group(2).split(",")):
                if label and label not in available:
                    report.add(where, f"{g.group(1)} ({label}): no metric of the query has label {label!r}")
    if panel:
        for r in RANGE_RE.finditer(expr):
            if r.group(1).strip() not in ALLOWED_RANGES:
                report.add(where, f"range [{r.group(1)}] must be [$__rate_interval]")


def walk_panels(panels: list) -> list:
    out = []
    for p in panels or []:
        if isinstance(p, dict):
            out.append(p)
            out.extend(walk_panels(p.get("panels", [])))
    return out


def ds_uid(ds) -> str | None:
    if isinstance(ds, dict):
        return ds.get("uid")
    if isinstance(ds, str):
        return ds
    return None


OVERVIEW_UID = "suno-exporter"
QUOTA_PREFIX = "suno_account_"
QUOTA_POLL_SECONDS = 300
LINK_UID_RE = re.compile(r"/d/([A-Za-z0-9_-]+)")
LINK_FIELD_RE = re.compile(r"\$\{__(?:field\.labels|data\.fields)\.([A-Za-z_][A-Za-z0-9_]*)\}")
TASK_API_PARAMS = {"status", "action", "model", "limit", "offset"}


def seconds(text: str) -> float | None:
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", (text or "").strip())
    if not m:
        return None
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def panel_links(panel: dict) -> list[dict]:
    """Panel links, data links of the defaults and of every override."""
    links = list(panel.get("links") or [])
    field_config = panel.get("fieldConfig") or {}
    links += (field_config.get("defaults") or {}).get("links") or []
    for override in field_config.get("overrides") or []:
        for prop in override.get("properties") or []:
            if prop.get("id") == "links":
                links += prop.get("value") or []
    return [link for link in links if isinstance(link, dict)]


def check_links(dashboards: dict[str, dict], report: Report) -> None:
    """Links between the dashboards, and data links that need a label the queries keep."""
    linked_from_overview: set[str] = set()
    for uid, dash in dashboards.items():
        where = f"grafana/dashboards/{uid}.json"
        for link in dash.get("links") or []:
            for target in LINK_UID_RE.findall(str(link.get("url", ""))):
                if target not in dashboards:
                    report.add(where, f"dashboard link to /d/{target}, which is no dashboard of the folder")
        for panel in walk_panels(dash.get("panels", [])):
            pwhere = f"{where}: panel {panel.get('title')!r}"
            by_labels = set()
            for t in panel.get("targets") or []:
                for g in GROUPING_RE.finditer(t.get("expr") or ""):
                    if g.group(1) == "by":
                        by_labels |= {x.strip() for x in g.group(2).split(",")}
            for link in panel_links(panel):
                url = str(link.get("url", ""))
                for target in LINK_UID_RE.findall(url):
                    if target not in dashboards:
                        report.add(pwhere, f"links to /d/{target}, which is no dashboard of the folder")
                    elif uid == OVERVIEW_UID:
                        linked_from_overview.add(target)
                for label in LINK_FIELD_RE.findall(url + str(link.get("title", ""))):
                    if label not in by_labels:
                        report.add(pwhere, f"a link uses label {label!r}, which its queries do not keep (by ({label}))")
                if "/api/v1/tasks?" in url:
                    params = {p.split("=", 1)[0] for p in url.split("?", 1)[1].split("&")}
                    if params - TASK_API_PARAMS:
                        report.add(pwhere, f"links to /api/v1/tasks with unknown parameters {sorted(params - TASK_API_PARAMS)}")
    if OVERVIEW_UID in dashboards:
        for uid in sorted(set(dashboards) - {OVERVIEW_UID} - linked_from_overview):
            report.add(f"grafana/dashboards/{OVERVIEW_UID}.json", f"no panel links to the dashboard {uid}")


def check_dashboard(path: Path, cat: Catalogue, report: Report) -> None:
    where = rel(path)
    try:
        dash = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        report.add(where, f"does not parse as JSON: {err}")
        return
    if not isinstance(dash, dict):
        report.add(where, "top level is not an object")
        return
    if dash.get("uid") != path.stem:
        report.add(where, f"uid is {dash.get('uid')!r}, expected the fixed uid {path.stem!r}")
    if not dash.get("title"):
        report.add(where, "has no title")
    tags = dash.get("tags")
    if not isinstance(tags, list) or EXPECTED_TAG not in tags:
        report.add(where, f"tags {tags!r} do not include {EXPECTED_TAG!r}")
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        report.add(where, f"schemaVersion {dash.get('schemaVersion')!r} is older than Grafana 10 (36+)")

    variables = {v.get("name"): v for v in (dash.get("templating") or {}).get("list", []) if isinstance(v, dict)}
    ds_var = variables.get("datasource")
    if ds_var is None:
        report.add(where, "has no 'datasource' template variable")
    elif ds_var.get("type") != "datasource" or ds_var.get("query") != "prometheus":
        report.add(where, "variable 'datasource' must be of type datasource with query 'prometheus'")
    for name in REQUIRED_QUERY_VARS:
        var = variables.get(name)
        if var is None:
            report.add(where, f"has no '{name}' template variable")
            continue
        if var.get("type") != "query":
            report.add(where, f"variable '{name}' is not a query variable")
        if ds_uid(var.get("datasource")) not in DATASOURCE_REFS:
            report.add(where, f"variable '{name}' does not query through ${{datasource}}")
        query = var.get("query")
        query = query.get("query", "") if isinstance(query, dict) else str(query or "")
        for needed in CASCADE.get(name, []):
            if f"${needed}" not in query and f"${{{needed}}}" not in query:
                report.add(where, f"variable '{name}' does not cascade from ${needed}: {query}")
        check_expr(query, f"{where}: variable '{name}'", cat, report, panel=False)
    order = [n for n in variables if n in REQUIRED_QUERY_VARS]
    if order != [n for n in REQUIRED_QUERY_VARS if n in variables]:
        report.add(where, f"variables are ordered {order}, expected {REQUIRED_QUERY_VARS}")

    ids: set = set()
    uses_rate_interval = False
    for panel in walk_panels(dash.get("panels", [])):
        title = panel.get("title") or f"id {panel.get('id')}"
        pwhere = f"{where}: panel {title!r}"
        pid = panel.get("id")
        if pid in ids:
            report.add(pwhere, f"duplicate panel id {pid}")
        ids.add(pid)
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            report.add(pwhere, "has no complete gridPos")
        elif grid["x"] + grid["w"] > 24:
            report.add(pwhere, "is wider than the 24-column grid")
        if panel.get("type") == "row":
            continue
        if not (panel.get("description") or "").strip():
            report.add(pwhere, "has no description")
        if ds_uid(panel.get("datasource")) not in DATASOURCE_REFS:
            report.add(pwhere, "datasource does not reference ${datasource}")
        targets = panel.get("targets") or []
        if not targets and panel.get("type") not in ("text", "news", "dashlist"):
            report.add(pwhere, "has no query")
        for target in targets:
            if "datasource" in target and ds_uid(target["datasource"]) not in DATASOURCE_REFS:
                report.add(pwhere, f"target {target.get('refId')} datasource does not reference ${{datasource}}")
            expr = target.get("expr") or ""
            if not expr.strip():
                report.add(pwhere, f"target {target.get('refId')} has no expr")
                continue
            uses_rate_interval |= "$__rate_interval" in expr
            check_expr(expr, pwhere, cat, report, panel=True)
            if QUOTA_PREFIX in expr and RANGE_RE.search(expr):
                floor = seconds(panel.get("interval", ""))
                if floor is None or floor < QUOTA_POLL_SECONDS:
                    report.add(pwhere, f"reads {QUOTA_PREFIX}* over a range but its minimum interval is "
                                       f"{panel.get('interval')!r}: set at least 5m (the quota poll interval)")
    if not uses_rate_interval:
        report.add(where, "never uses $__rate_interval")


def rule_exprs(text: str) -> list[tuple[int, str]]:
    """`expr:` values of a Prometheus rule file (inline, quoted or block scalars), with line numbers.

    A minimal reader for the shapes promtool accepts, so that this script needs no YAML library.
    """
    lines = text.splitlines()
    out = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)(?:-\s+)?expr:\s*(.*)$", lines[i])
        if not m:
            i += 1
            continue
        indent, value = len(m.group(1)), m.group(2).strip()
        start = i + 1
        if value[:1] in ("|", ">"):
            body = []
            i += 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                body.append(lines[i].strip())
                i += 1
            out.append((start, " ".join(body)))
            continue
        if value[:1] in ("'", '"') and value[-1:] == value[:1] and len(value) > 1:
            value = value[1:-1]
        out.append((start, value))
        i += 1
    return out


def check_rules(path: Path, cat: Catalogue, report: Report) -> None:
    where = rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        report.add(where, f"cannot be read: {err}")
        return
    exprs = rule_exprs(text)
    if not exprs:
        report.add(where, "has no expr")
    for line, expr in exprs:
        check_expr(expr, f"{where}:{line}", cat, report, panel=False)
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"^\s*(?:-\s+)?record:\s*['\"]?([^'\"\s]+)", line)
        if not m:
            continue
        rm = RECORD_RE.match(m.group(1))
        if not rm:
            report.add(f"{where}:{n}", f"recording rule {m.group(1)} is not named level:metric:operations")
        elif not cat.record_metric_known(rm.group(1)):
            report.add(f"{where}:{n}", f"recording rule {m.group(1)}: {rm.group(1)} is not a catalogue metric")


def check_text(path: Path, cat: Catalogue, report: Report) -> None:
    """Any mention of a suno_/process_ name (annotations, comments, test series) must be known."""
    where = rel(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        report.add(where, f"cannot be read: {err}")
        return
    for n, line in enumerate(text.splitlines(), 1):
        for m in NAME_RE.finditer(line):
            problem = cat.problem_for(m.group(1), strict=False)
            if problem:
                report.add(f"{where}:{n}", problem)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalogue", type=Path, nargs="+", help="exposition file(s): golden /metrics output")
    parser.add_argument("--dashboards", type=Path, default=REPO / "grafana" / "dashboards")
    parser.add_argument("--rules", type=Path, action="append",
                        help="rule file (repeatable; default deploy/prometheus/alerts.yml)")
    parser.add_argument("--text", type=Path, action="append",
                        help="file whose free text may only mention known names (repeatable)")
    args = parser.parse_args(argv)
    rules = args.rules or [REPO / "deploy" / "prometheus" / "alerts.yml"]
    texts = args.text or [REPO / "deploy" / "prometheus" / "alerts.yml",
                          REPO / "deploy" / "prometheus" / "alerts_test.yml",
                          REPO / "deploy" / "prometheus" / "runbooks.md"]

    for path in args.catalogue:
        if not path.is_file():
            print(f"{path}: catalogue file not found", file=sys.stderr)
            return 2
        if "# TYPE " not in path.read_text(encoding="utf-8"):
            print(f"{path}: no '# TYPE' lines, not an exposition file", file=sys.stderr)
            return 2
    cat = Catalogue(args.catalogue)

    report = Report()
    dashboards = sorted(args.dashboards.glob("*.json")) if args.dashboards.is_dir() else []
    if not dashboards:
        report.add(rel(args.dashboards), "no dashboard (*.json) found")
    for path in dashboards:
        check_dashboard(path, cat, report)
    parsed = {}
    for path in dashboards:
        try:
            parsed[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # reported by check_dashboard
    check_links(parsed, report)
    for path in rules:
        check_rules(path, cat, report)
    for path in texts:
        check_text(path, cat, report)

    for line in report.problems:
        print(line)
    checked = f"{len(dashboards)} dashboard(s), {len(rules)} rule file(s), {len(cat.families)} catalogue families"
    if report.problems:
        print(f"check_dashboards: {len(report.problems)} problem(s) in {checked}")
        return 1
    print(f"check_dashboards: OK, {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
