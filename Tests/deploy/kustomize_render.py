#!/usr/bin/env python3
"""A small kustomize: renders the kustomizations of deploy/kubernetes without kubectl.

Usage: kustomize_render.py DIR      (prints the resources as a YAML stream)

Only what deploy/kubernetes uses is supported, and anything else is refused with an error, so a
kustomization that grows a feature cannot be rendered wrongly in silence:
  resources   files, or directories holding a kustomization.yaml (rendered first, in order);
  patches     JSON 6902 operation lists (add, remove, replace), inline (patch) or in a file (path),
              applied to the resources matching target (group, version, kind, name);
  replicas    name + count, on Deployments and StatefulSets.
check_kubernetes.py renders with `kubectl kustomize` when it is installed, and then also with this
script and requires both to agree: the fallback is tested wherever the real tool exists.
Needs Python 3 and PyYAML.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import yaml

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
SUPPORTED = {"apiVersion", "kind", "resources", "patches", "replicas"}


class RenderError(Exception):
    pass


def kustomization_file(directory: Path) -> Path:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_file():
            return directory / name
    raise RenderError(f"{directory}: no kustomization.yaml")


def render(directory: Path) -> list[dict]:
    path = kustomization_file(directory)
    spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(spec) - SUPPORTED
    if unknown:
        raise RenderError(f"{path}: fields this renderer does not support: {sorted(unknown)}")
    resources: list[dict] = []
    for entry in spec.get("resources") or []:
        target = (directory / entry).resolve()
        if target.is_dir():
            resources.extend(render(target))
        elif target.is_file():
            resources.extend(d for d in yaml.safe_load_all(target.read_text(encoding="utf-8")) if d)
        else:
            raise RenderError(f"{path}: resource {entry} does not exist")
    for patch in spec.get("patches") or []:
        apply_patch(resources, patch, directory, path)
    for replica in spec.get("replicas") or []:
        matched = [r for r in resources
                   if r.get("kind") in ("Deployment", "StatefulSet") and r["metadata"]["name"] == replica["name"]]
        if not matched:
            raise RenderError(f"{path}: replicas: no Deployment or StatefulSet named {replica['name']}")
        for resource in matched:
            resource.setdefault("spec", {})["replicas"] = int(replica["count"])
    return resources


def matches(resource: dict, target: dict) -> bool:
    group, _, version = resource.get("apiVersion", "").rpartition("/")
    checks = {"group": group, "version": version, "kind": resource.get("kind"),
              "name": resource.get("metadata", {}).get("name")}
    for key, value in target.items():
        if key not in checks:
            raise RenderError(f"patch target field {key!r} is not supported")
        if checks[key] != value:
            return False
    return True


def apply_patch(resources: list[dict], patch: dict, directory: Path, where: Path) -> None:
    if set(patch) - {"target", "patch", "path"}:
        raise RenderError(f"{where}: patch fields {sorted(set(patch) - {'target', 'patch', 'path'})} are not supported")
    if "target" not in patch:
        raise RenderError(f"{where}: only targeted JSON 6902 patches are supported")
    text = patch.get("patch")
    if text is None:
        text = (directory / patch["path"]).read_text(encoding="utf-8")
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise RenderError(f"{where}: patch is not a JSON 6902 operation list (strategic merge is not supported)")
    targets = [r for r in resources if matches(r, patch["target"])]
    if not targets:
        raise RenderError(f"{where}: patch target {patch['target']} matches no resource")
    for resource in targets:
        for operation in operations:
            apply_operation(resource, operation, where)


def pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer {path!r} does not start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def apply_operation(document: dict, operation: dict, where: Path) -> None:
    op, parts = operation.get("op"), pointer(operation.get("path", ""))
    parent = document
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent.get(part)
        if parent is None:
            raise RenderError(f"{where}: {operation['path']}: {part} does not exist")
    last = parts[-1]
    if op in ("add", "replace"):
        value = copy.deepcopy(operation["value"])
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last)
            if op == "add":
                parent.insert(index, value)
            else:
                parent[index] = value
        else:
            if op == "replace" and last not in parent:
                raise RenderError(f"{where}: replace {operation['path']}: nothing there")
            parent[last] = value
    elif op == "remove":
        if isinstance(parent, list):
            del parent[int(last)]
        elif last in parent:
            del parent[last]
        else:
            raise RenderError(f"{where}: remove {operation['path']}: nothing there")
    else:
        raise RenderError(f"{where}: JSON 6902 operation {op!r} is not supported")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: kustomize_render.py DIR", file=sys.stderr)
        return 2
    try:
        documents = render(Path(argv[0]).resolve())
    except (RenderError, OSError, yaml.YAMLError, KeyError, ValueError, IndexError) as err:
        print(f"kustomize_render: {err}", file=sys.stderr)
        return 1
    sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
