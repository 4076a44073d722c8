#!/usr/bin/env python3
"""Validate exposition files with prometheus_client's parsers (a second opinion next to promtool).

Usage:
    check_exposition.py [--text FILE]... [--openmetrics FILE]... [FILE]...

Plain FILE arguments are classified by extension: .prom/.txt -> text format 0.0.4,
.openmetrics/.om -> OpenMetrics 1.0. For each file:
  - text:        prometheus_client.parser.text_string_to_metric_families must accept it;
  - OpenMetrics: prometheus_client.openmetrics.parser.text_string_to_metric_families must accept it
                 (it checks # EOF, histogram structure, exemplar size, units), and every `le` must be
                 in canonical form (client_python's floatToGoString).
When exactly one text and one OpenMetrics file are given, both must carry the same samples
(name, labels with `le` compared as numbers, value; exemplars aside).

Exit status: 0 all good, 1 a file failed, 2 usage error (unknown extension, missing file).
"""

import argparse
import math
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text
from prometheus_client.utils import floatToGoString

TEXT_EXTENSIONS = (".prom", ".txt")
OPENMETRICS_EXTENSIONS = (".openmetrics", ".om")


def sample_key(sample):
    labels = []
    for name, value in sorted(sample.labels.items()):
        if name == "le":
            value = float(value)
        labels.append((name, value))
    value = "NaN" if math.isnan(sample.value) else float(sample.value)
    return (sample.name, tuple(labels), value)


def check_text(path, content):
    families = list(parse_text(content))
    samples = [s for f in families for s in f.samples]
    print(f"{path}: text format OK, {len(families)} families, {len(samples)} samples")
    return {sample_key(s) for s in samples}


def check_openmetrics(path, content):
    families = list(parse_openmetrics(content))
    samples = [s for f in families for s in f.samples]
    for sample in samples:
        le = sample.labels.get("le")
        if le is not None and le != floatToGoString(float(le)):
            raise ValueError(f"non-canonical le {le!r} in {sample.name} (expected {floatToGoString(float(le))!r})")
    exemplars = sum(1 for s in samples if s.exemplar is not None)
    print(f"{path}: OpenMetrics OK, {len(families)} families, {len(samples)} samples, {exemplars} exemplars")
    return {sample_key(s) for s in samples}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", action="append", default=[], metavar="FILE", help="a text format 0.0.4 file")
    parser.add_argument("--openmetrics", action="append", default=[], metavar="FILE", help="an OpenMetrics 1.0 file")
    parser.add_argument("files", nargs="*", help="files classified by extension")
    args = parser.parse_args(argv)

    text_files, om_files = list(args.text), list(args.openmetrics)
    for path in args.files:
        if path.endswith(TEXT_EXTENSIONS):
            text_files.append(path)
        elif path.endswith(OPENMETRICS_EXTENSIONS):
            om_files.append(path)
        else:
            print(f"{path}: unknown extension; use --text or --openmetrics", file=sys.stderr)
            return 2
    if not text_files and not om_files:
        parser.print_usage(sys.stderr)
        return 2

    failed = False
    parsed = {}
    for kind, paths, check in (("text", text_files, check_text), ("openmetrics", om_files, check_openmetrics)):
        for path in paths:
            try:
                with open(path, encoding="utf-8") as handle:
                    content = handle.read()
            except OSError as error:
                print(f"{path}: {error}", file=sys.stderr)
                return 2
            try:
                parsed[(kind, path)] = check(path, content)
            except Exception as error:  # the parsers raise ValueError, and others on odd input
                print(f"{path}: INVALID {kind}: {error}", file=sys.stderr)
                failed = True

    if len(text_files) == 1 and len(om_files) == 1 and not failed:
        text_samples = parsed[("text", text_files[0])]
        om_samples = parsed[("openmetrics", om_files[0])]
        if text_samples != om_samples:
            for key in sorted(text_samples - om_samples, key=repr)[:10]:
                print(f"only in {text_files[0]}: {key}", file=sys.stderr)
            for key in sorted(om_samples - text_samples, key=repr)[:10]:
                print(f"only in {om_files[0]}: {key}", file=sys.stderr)
            failed = True
        else:
            print(f"{text_files[0]} and {om_files[0]} carry the same {len(text_samples)} samples")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
