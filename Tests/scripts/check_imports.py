#!/usr/bin/env python3
"""Every `import X` of a package target names a target it declares as a dependency.

SwiftPM builds a target that imports another package target it only reaches transitively, so an
undeclared edge goes unnoticed until the graph changes (and `--explicit-target-dependency-import-check`
only catches targets outside the transitive closure). This reads the manifest through
`swift package dump-package` and each target's sources, and fails on any import of a package target
(or C shim) that the importing target does not declare directly.
"""
import json
import os
import re
import subprocess
import sys

IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+|(?:public|package|internal)\s+)?import\s+(\w+)", re.M)


def main() -> int:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    manifest = json.loads(subprocess.check_output(["swift", "package", "dump-package"], cwd=root))
    targets = {t["name"]: t for t in manifest["targets"]}
    problems = []
    for name, target in sorted(targets.items()):
        declared = set()
        for dependency in target.get("dependencies", []):
            for kind in ("byName", "target"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        folder = target.get("path") or os.path.join("Tests" if target["type"] == "test" else "Sources", name)
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for file in files:
                if not file.endswith(".swift"):
                    continue
                path = os.path.join(directory, file)
                with open(path, encoding="utf-8") as source:
                    text = source.read()
                for module in IMPORT.findall(text):
                    if module in targets and module != name and module not in declared:
                        problems.append(f"{os.path.relpath(path, root)}: imports {module}, not a declared dependency of {name}")
    for problem in problems:
        print(problem)
    print(f"import check: {len(targets)} targets, {len(problems)} undeclared imports")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
