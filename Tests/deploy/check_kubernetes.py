#!/usr/bin/env python3
"""Checks of deploy/kubernetes: the base and its overlays, rendered as a cluster would get them.

Usage: check_kubernetes.py [--root=DIR] [--renderer=auto|python]

--root points at another checkout (the self-tests use a mutated copy); default: this one.
Each kustomization (base, overlays/demo, overlays/sharded) is rendered with `kubectl kustomize`
(or `kustomize build`) when one is installed, and always with kustomize_render.py, the Python
fallback; when both ran, they must agree. --renderer=python skips the real tool.
Then, on every rendering:
  - every YAML file under deploy/kubernetes parses; the kinds are exactly Service, StatefulSet,
    ServiceMonitor and PrometheusRule, each named suno-exporter;
  - the StatefulSet's serviceName, selectors, port names and the ServiceMonitor's selector and
    port fit together; the Service is headless; the ServiceMonitor honours the exporter's labels;
  - liveness probes /-/healthy and readiness /-/ready on the http port, and both paths are routes
    of the exporter (Sources/SunoExporterApp/Server/Router.swift);
  - the securityContext is restrictive: non-root, read-only root filesystem, no privilege
    escalation, every capability dropped, seccomp RuntimeDefault, no service account token;
  - requests and limits for CPU and memory, the memory request at least the measured RSS of
    `serve --demo` (MEASURED_DEMO_RSS_MIB), the limit at least the request;
  - the database on the volume claim template, /tmp writable;
  - base and sharded: the key and the API token come from Secrets mounted as files (group- but
    not world-readable) and are passed with --cometapi.key-file and --web.api-token-file; no key in
    the environment or on the command line;
  - demo: `serve --demo`, no secret at all;
  - sharded: replicas equals SHARDS (at least 2); the shell entrypoint, run for every ordinal with a
    stand-in binary, execs the base's arguments plus --shard i/N, and refuses a pod name without
    an ordinal and an ordinal out of range;
  - the PrometheusRule's groups equal deploy/prometheus/alerts.yml's.
Prints one line per problem, then a summary; exits 1 on a problem, 2 on bad usage.
Needs Python 3 and PyYAML; /bin/sh for the entrypoint.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import kustomize_render  # noqa: E402

# Peak resident memory (VmHWM 39.2 MiB) of the release binary under `serve --demo`, measured over
# 6 minutes of scrapes (README, "Kubernetes"), rounded up.
MEASURED_DEMO_RSS_MIB = 40
KINDS = {"Service", "StatefulSet", "ServiceMonitor", "PrometheusRule"}
NAME = "suno-exporter"
PORT = 9877
KUSTOMIZATIONS = ["base", "overlays/demo", "overlays/sharded"]


def set_root(root: Path) -> None:
    global REPO, KUBE, RULES, ROUTER
    REPO = root.resolve()
    KUBE = REPO / "deploy" / "kubernetes"
    RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
    ROUTER = REPO / "Sources" / "SunoExporterApp" / "Server" / "Router.swift"


set_root(HERE.parents[1])


class Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"deploy/kubernetes/{where}: {message}")


def kustomize_major(command: list[str]) -> int:
    """Major version of the kustomize inside `command` (0 when unknown)."""
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return 0
    m = re.search(r"(?:Kustomize Version: |kustomize/|^)v(\d+)\.\d+", out, flags=re.M)
    return int(m.group(1)) if m else 0


def real_renderer() -> list[str] | None:
    """kubectl kustomize or kustomize build, if one with kustomize 4 or later is installed.

    Older ones (Debian 12's kubernetes-client embeds kustomize 2) know neither `patches` nor
    `replicas`; the Python renderer stands in for them.
    """
    if shutil.which("kubectl") and kustomize_major(["kubectl", "version", "--client"]) >= 4:
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize") and kustomize_major(["kustomize", "version"]) >= 4:
        return ["kustomize", "build"]
    return None


def key(resource: dict) -> tuple[str, str]:
    return (resource.get("kind", "?"), (resource.get("metadata") or {}).get("name", "?"))


def render_all(renderer: str, problems: Problems) -> dict[str, list[dict]]:
    tool = real_renderer() if renderer == "auto" else None
    rendered: dict[str, list[dict]] = {}
    for name in KUSTOMIZATIONS:
        try:
            fallback = kustomize_render.render(KUBE / name)
        except (kustomize_render.RenderError, OSError, yaml.YAMLError, KeyError, ValueError, IndexError) as err:
            problems.add(name, f"the Python renderer failed: {err}")
            fallback = None
        docs = fallback
        if tool:
            proc = subprocess.run([*tool, str(KUBE / name)], capture_output=True, text=True)
            if proc.returncode != 0:
                problems.add(name, f"{' '.join(tool)} failed: {proc.stderr.strip()}")
                continue
            docs = [d for d in yaml.safe_load_all(proc.stdout) if d]
            if fallback is not None and {key(d): d for d in fallback} != {key(d): d for d in docs}:
                problems.add(name, f"kustomize_render.py and {' '.join(tool)} disagree")
        if docs is not None:
            rendered[name] = docs
    return rendered


def mebibytes(quantity) -> float | None:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|M|G)?", str(quantity))
    if not m:
        return None
    factor = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20, None: 1 / 2**20}
    return float(m.group(1)) * factor[m.group(2)]


def flag_value(args: list[str], flag: str) -> str | None:
    for i, arg in enumerate(args):
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
    return None


def router_paths() -> set[str]:
    try:
        return set(re.findall(r'case\s+"(/[^"]*)"', ROUTER.read_text(encoding="utf-8")))
    except OSError:
        return set()


def check_rendering(name: str, docs: list[dict], problems: Problems) -> None:
    by_kind: dict[str, list[dict]] = {}
    for doc in docs:
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind"):
            problems.add(name, f"a resource without apiVersion or kind: {str(doc)[:80]}")
            continue
        by_kind.setdefault(doc["kind"], []).append(doc)
    kinds = set(by_kind)
    if kinds != KINDS:
        problems.add(name, f"renders kinds {sorted(kinds)}, expected {sorted(KINDS)}")
    for kind, items in by_kind.items():
        if len(items) != 1 or items[0]["metadata"].get("name") != NAME:
            problems.add(name, f"expected one {kind} named {NAME}, got {[key(i)[1] for i in items]}")
    if not KINDS <= kinds:
        return
    sts, svc = by_kind["StatefulSet"][0], by_kind["Service"][0]
    monitor, rule = by_kind["ServiceMonitor"][0], by_kind["PrometheusRule"][0]
    check_wiring(name, sts, svc, monitor, problems)
    container = check_pod(name, sts, problems)
    if container is not None:
        check_arguments(name, sts, container, problems)
    check_rule(name, rule, problems)


def subset(small: dict | None, big: dict | None) -> bool:
    return bool(small) and all((big or {}).get(k) == v for k, v in small.items())


def check_wiring(name: str, sts: dict, svc: dict, monitor: dict, problems: Problems) -> None:
    spec, pod_labels = sts.get("spec", {}), sts["spec"]["template"]["metadata"].get("labels", {})
    if spec.get("serviceName") != svc["metadata"]["name"]:
        problems.add(name, f"StatefulSet serviceName {spec.get('serviceName')!r} is not the Service {svc['metadata']['name']!r}")
    if not subset(spec.get("selector", {}).get("matchLabels"), pod_labels):
        problems.add(name, "the StatefulSet's selector does not match its pod labels")
    if not subset(svc["spec"].get("selector"), pod_labels):
        problems.add(name, "the Service's selector does not match the pod labels")
    if svc["spec"].get("clusterIP") != "None":
        problems.add(name, "the Service is not headless (clusterIP: None): pods have no stable names for the API")
    ports = {p.get("name"): p for p in svc["spec"].get("ports", [])}
    if ports.get("http", {}).get("port") != PORT:
        problems.add(name, f"the Service has no port named http on {PORT}")
    mspec = monitor.get("spec", {})
    if not subset(mspec.get("selector", {}).get("matchLabels"), svc["metadata"].get("labels")):
        problems.add(name, "the ServiceMonitor's selector does not match the Service's labels")
    endpoints = mspec.get("endpoints") or []
    if not endpoints:
        problems.add(name, "the ServiceMonitor has no endpoint")
    for ep in endpoints:
        if ep.get("port") not in ports:
            problems.add(name, f"ServiceMonitor port {ep.get('port')!r} is not a Service port")
        if ep.get("path", "/metrics") != "/metrics":
            problems.add(name, f"ServiceMonitor path {ep.get('path')!r} is not /metrics")
        if ep.get("honorLabels") is not True:
            problems.add(name, "ServiceMonitor without honorLabels: true renames the exporter's endpoint label")


def check_pod(name: str, sts: dict, problems: Problems) -> dict | None:
    pod = sts["spec"]["template"].get("spec", {})
    containers = pod.get("containers") or []
    if len(containers) != 1:
        problems.add(name, f"expected one container, got {len(containers)}")
        return None
    c = containers[0]
    if pod.get("hostNetwork") or pod.get("hostPID") or pod.get("hostIPC"):
        problems.add(name, "the pod shares a host namespace")
    if pod.get("automountServiceAccountToken") is not False:
        problems.add(name, "automountServiceAccountToken is not false (the exporter never talks to the API server)")
    psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}
    if not (psc.get("runAsNonRoot") or csc.get("runAsNonRoot")):
        problems.add(name, "runAsNonRoot is not set")
    if (csc.get("runAsUser", psc.get("runAsUser")) or 0) == 0:
        problems.add(name, "runAsUser is missing or 0")
    seccomp = (csc.get("seccompProfile") or psc.get("seccompProfile") or {}).get("type")
    if seccomp != "RuntimeDefault":
        problems.add(name, f"seccompProfile is {seccomp!r}, expected RuntimeDefault")
    if csc.get("allowPrivilegeEscalation") is not False:
        problems.add(name, "allowPrivilegeEscalation is not false")
    if csc.get("readOnlyRootFilesystem") is not True:
        problems.add(name, "readOnlyRootFilesystem is not true")
    if csc.get("privileged"):
        problems.add(name, "the container is privileged")
    if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
        problems.add(name, "capabilities do not drop ALL")
    if (csc.get("capabilities") or {}).get("add"):
        problems.add(name, "capabilities are added")

    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if ports.get("http") != PORT:
        problems.add(name, f"the container has no port named http on {PORT}")
    routes = router_paths()
    for probe, path in (("livenessProbe", "/-/healthy"), ("readinessProbe", "/-/ready")):
        get = ((c.get(probe) or {}).get("httpGet") or {})
        if get.get("path") != path:
            problems.add(name, f"{probe} path is {get.get('path')!r}, expected {path}")
        elif path not in routes:
            problems.add(name, f"{probe} path {path} is not a route in {ROUTER.relative_to(REPO)}")
        if get.get("port") not in ("http", PORT):
            problems.add(name, f"{probe} port is {get.get('port')!r}, expected http")

    resources = c.get("resources") or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
    for part, values in (("requests", requests), ("limits", limits)):
        for what in ("cpu", "memory"):
            if what not in values:
                problems.add(name, f"resources.{part}.{what} is missing")
    req, lim = mebibytes(requests.get("memory")), mebibytes(limits.get("memory"))
    if req is not None and req < MEASURED_DEMO_RSS_MIB:
        problems.add(name, f"memory request {requests['memory']} is below the measured {MEASURED_DEMO_RSS_MIB} MiB")
    if req is not None and lim is not None and lim < req:
        problems.add(name, "the memory limit is below the request")

    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts") or []}
    claims = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []}
    data = mounts.get("/var/lib/suno-exporter")
    if not data or data.get("name") not in claims:
        problems.add(name, "/var/lib/suno-exporter is not a volume claim template")
    if "/tmp" not in mounts:
        problems.add(name, "/tmp is not mounted: SQLite needs it with a read-only root filesystem")
    return c


def secret_file(pod: dict, container: dict, path: str | None) -> str | None:
    """Why `path` is not a file of a mounted Secret readable by the group only, or None when it is."""
    if not path:
        return "no such flag"
    directory, _, filename = path.rpartition("/")
    mount = next((m for m in container.get("volumeMounts") or [] if m.get("mountPath") == directory), None)
    if mount is None:
        return f"{directory} is not a mount"
    volume = next((v for v in pod.get("volumes") or [] if v.get("name") == mount.get("name")), None)
    secret = (volume or {}).get("secret")
    if not secret:
        return f"{directory} is not a Secret volume"
    items = [i.get("path") for i in secret.get("items") or []]
    if items and filename not in items:
        return f"the Secret volume has no item {filename}"
    mode = secret.get("defaultMode", 0o644)
    if mode & 0o007 or not mode & 0o040:
        return f"defaultMode {oct(mode)} must be group-readable (fsGroup) and not world-readable"
    if not mount.get("readOnly"):
        return f"{directory} is not mounted read-only"
    return None


def command_line(container: dict) -> list[str]:
    return [str(x) for x in (container.get("command") or []) + (container.get("args") or [])]


def check_arguments(name: str, sts: dict, container: dict, problems: Problems) -> None:
    pod = sts["spec"]["template"]["spec"]
    args = [str(a) for a in container.get("args") or []]
    line = command_line(container)
    if not args or args[0] != "serve":
        problems.add(name, f"the arguments do not start with serve: {args[:3]}")
    storage = flag_value(args, "--storage.path") or ""
    if not storage.startswith("/var/lib/suno-exporter/"):
        problems.add(name, f"--storage.path {storage!r} is not on the data volume")
    if any(re.match(r"--cometapi\.key(=|$)", a) for a in line):
        problems.add(name, "the key is passed on the command line")
    for env in container.get("env") or []:
        if env.get("name") == "COMETAPI_KEY" and "value" in env:
            problems.add(name, "COMETAPI_KEY holds a literal value")
    secrets = [v for v in pod.get("volumes") or [] if "secret" in v]
    replicas = sts["spec"].get("replicas", 1)
    if name.endswith("demo"):
        if "--demo" not in args:
            problems.add(name, "the demo overlay does not run serve --demo")
        if secrets or flag_value(args, "--cometapi.key-file"):
            problems.add(name, "the demo overlay needs a Secret or a key file")
    else:
        for flag in ("--cometapi.key-file", "--web.api-token-file"):
            why = secret_file(pod, container, flag_value(args, flag))
            if why:
                problems.add(name, f"{flag}: {why}")
        if "--demo" in args:
            problems.add(name, "runs --demo")
    if name.endswith("sharded"):
        check_shard_entrypoint(name, container, replicas, problems)
    else:
        if replicas != 1:
            problems.add(name, f"replicas is {replicas}: one SQLite writer, unless sharded")
        if any(a.startswith("--shard") for a in line):
            problems.add(name, "passes --shard without being the sharded overlay")


def check_shard_entrypoint(name: str, container: dict, replicas: int, problems: Problems) -> None:
    env = {e.get("name"): e for e in container.get("env") or []}
    shards = str((env.get("SHARDS") or {}).get("value", ""))
    if not shards.isdigit() or int(shards) != replicas or replicas < 2:
        problems.add(name, f"SHARDS={shards!r} must equal replicas ({replicas}) and be at least 2")
        return
    if (env.get("POD_NAME") or {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.name":
        problems.add(name, "POD_NAME does not come from metadata.name (downward API)")
    command, args = [str(x) for x in container.get("command") or []], [str(x) for x in container.get("args") or []]
    if command[:2] != ["/bin/sh", "-c"] or len(command) < 3:
        problems.add(name, f"the command is not a /bin/sh -c entrypoint: {command[:2]}")
        return
    binary = "/usr/local/bin/suno-exporter"
    if binary not in command[2]:
        problems.add(name, f"the entrypoint does not exec {binary}")
        return
    with tempfile.TemporaryDirectory(prefix="suno-shard-entrypoint-") as tmp:
        stand_in = Path(tmp, "suno-exporter")
        stand_in.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', encoding="utf-8")
        stand_in.chmod(0o755)
        script = command[2].replace(binary, str(stand_in))

        def run(pod_name: str) -> subprocess.CompletedProcess:
            return subprocess.run(["/bin/sh", "-c", script, *command[3:], *args], capture_output=True, text=True,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "POD_NAME": pod_name,
                                       "SHARDS": shards}, timeout=30)

        for ordinal in range(replicas):
            proc = run(f"{NAME}-{ordinal}")
            got = proc.stdout.splitlines()
            if proc.returncode != 0 or got != args + ["--shard", f"{ordinal}/{replicas}"]:
                problems.add(name, f"pod {NAME}-{ordinal} would run {got} (exit {proc.returncode}: "
                                   f"{proc.stderr.strip()}), expected the arguments plus --shard {ordinal}/{replicas}")
        for bad in (f"{NAME}-{replicas}", f"{NAME}-x", NAME):
            proc = run(bad)
            if proc.returncode == 0:
                problems.add(name, f"the entrypoint starts a pod named {bad!r} instead of refusing it")


def check_rule(name: str, rule: dict, problems: Problems) -> None:
    try:
        source = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.add(name, f"cannot read {RULES}: {err}")
        return
    if (rule.get("spec") or {}).get("groups") != source.get("groups"):
        problems.add(name, "the PrometheusRule's groups differ from deploy/prometheus/alerts.yml "
                           "(run deploy/kubernetes/generate-prometheusrule.py)")


def main(argv: list[str]) -> int:
    renderer = "auto"
    for arg in argv:
        if arg.startswith("--root="):
            set_root(Path(arg.split("=", 1)[1]))
        elif arg in ("--renderer=auto", "--renderer=python"):
            renderer = arg.split("=", 1)[1]
        else:
            print("usage: check_kubernetes.py [--root=DIR] [--renderer=auto|python]", file=sys.stderr)
            return 2
    problems = Problems()
    files = sorted(KUBE.rglob("*.yaml")) + sorted(KUBE.rglob("*.yml"))
    for path in files:
        try:
            list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError) as err:
            problems.add(str(path.relative_to(KUBE)), f"does not parse: {err}")
    rendered = render_all(renderer, problems)
    for name, docs in rendered.items():
        check_rendering(name, docs, problems)
    for line in problems:
        print(line)
    tool = " ".join(real_renderer() or []) if renderer == "auto" else ""
    how = f"{tool} and kustomize_render.py" if tool else "kustomize_render.py"
    summary = f"{len(files)} files, {len(rendered)} renderings ({how})"
    if problems:
        print(f"check_kubernetes: {len(problems)} problem(s); {summary}")
        return 1
    kinds = sorted({d["kind"] for docs in rendered.values() for d in docs})
    print(f"check_kubernetes: OK, {summary}: {', '.join(kinds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
