#!/usr/bin/env python3
"""Writes base/prometheusrule.yaml from deploy/prometheus/alerts.yml.

Usage: deploy/kubernetes/generate-prometheusrule.py [--check]

The PrometheusRule's spec.groups are the rule file's groups, unchanged: one source of truth for
the alerts, their tests (promtool test rules) and Kubernetes. Run it after every change to
alerts.yml. --check writes nothing and exits 1 when the file on disk is not what this script
would write (make test runs it). Needs Python 3 and PyYAML.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
OUTPUT = HERE / "base" / "prometheusrule.yaml"
HEADER = """\
# GENERATED from deploy/prometheus/alerts.yml by deploy/kubernetes/generate-prometheusrule.py.
# Do not edit: change alerts.yml and run the script (make test fails while the two differ).
# The Prometheus Operator loads it when its ruleSelector matches these labels (by default
# kube-prometheus-stack selects release=<its release name>: add that label in an overlay).
"""


class BlockDumper(yaml.SafeDumper):
    """Multi-line strings (PromQL, descriptions) as literal blocks, so the output reads like alerts.yml."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


BlockDumper.add_representer(str, _str)


def render() -> str:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    if not isinstance(rules, dict) or not isinstance(rules.get("groups"), list):
        raise SystemExit(f"{RULES}: no groups")
    resource = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "suno-exporter", "labels": {"app.kubernetes.io/name": "suno-exporter"}},
        "spec": {"groups": rules["groups"]},
    }
    body = yaml.dump(resource, Dumper=BlockDumper, sort_keys=False, allow_unicode=True, width=1000)
    return HEADER + body


def main(argv: list[str]) -> int:
    if argv not in ([], ["--check"]):
        print("usage: generate-prometheusrule.py [--check]", file=sys.stderr)
        return 2
    text = render()
    if argv == ["--check"]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(REPO)} differs from {RULES.relative_to(REPO)}: "
                  "run deploy/kubernetes/generate-prometheusrule.py")
            return 1
        print(f"{OUTPUT.relative_to(REPO)} matches {RULES.relative_to(REPO)}")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
