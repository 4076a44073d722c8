#!/usr/bin/env python3
"""Static checks of the deployment files, for a machine without a Docker engine.

Usage: check_deploy.py [--root=DIR] {compose|dockerfile|systemd|provisioning|alertmanager|runbooks}

--root points at another checkout (the self-tests use a mutated copy); default: this one.

  compose       deploy/docker/compose.yml (PyYAML): the three services; the exporter is built
                from a Dockerfile that exists, runs `serve --demo`, publishes 9877 and keeps
                its database on a volume; every bind-mounted host path exists; Prometheus
                mounts the directory holding prometheus.yml and alerts.yml, and prometheus.yml
                scrapes job suno-exporter at <exporter service>:9877 every 15s; Grafana mounts
                the provisioning and dashboards folders where the provisioning files expect
                them and its datasource URL names the Prometheus service; images are pinned;
                named volumes are declared; no privileged container.
  dockerfile    deploy/docker/Dockerfile: at least two FROM stages, a swift:6.3 bookworm
                builder and a debian:bookworm-slim runtime; the -dev packages in the builder
                (libcurl4-openssl-dev included: a static Foundation links -lcurl) and the
                runtime libraries in the runtime stage; a release build with
                --static-swift-stdlib; COPY --from names an earlier stage; the final stage has
                a non-root USER, EXPOSE 9877, an exec-form ENTRYPOINT, and a HEALTHCHECK on
                /-/healthy whose tool is installed; apt lists are removed in the same RUN;
                every COPY source exists in the build context (the repository root).
  systemd       deploy/systemd/suno-exporter.service and .default: the hardening directives,
                StateDirectory, EnvironmentFile, Restart, an ExecStart that keeps the database
                in the state directory and takes no key on the command line; the key as
                LoadCredential= under the name the exporter reads (APIKey.credentialName);
                RestrictAddressFamilies= allowing only what it needs; the example environment
                file sets no key.
  provisioning  grafana/provisioning: the datasource file (prometheus, default) and the
                dashboard provider (type file) pointing at the dashboards mount.
  alertmanager  deploy/alertmanager/alertmanager.yml in the compose stack: an alertmanager
                service reading it from the mounted directory; prometheus.yml sends alerts to it;
                every route names a declared receiver; each webhook URL names a compose service
                that runs webhook-receiver.py on that port; the inhibitions name real alerts;
                every severity of alerts.yml reaches a receiver.
  runbooks      deploy/prometheus/runbooks.md against alerts.yml: every alert has a summary, a
                description and a runbook_url pointing at its own section (anchor = the alert's
                name in lower case), which has the four parts (what it means, first queries,
                likely causes, what to do); no section for an alert that does not exist; the
                runbook's PromQL blocks parse (promtool, when installed).

Prints one line per problem, then a summary; exits 1 on a problem, 2 on bad usage.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import yaml  # PyYAML
except ImportError:  # pragma: no cover - reported as a problem below
    yaml = None

PORT = 9877


def set_root(root: Path) -> None:
    """Points every path at a repository checkout (the real one, or a test's copy)."""
    global REPO, COMPOSE, DOCKERFILE, PROMETHEUS, UNIT, DEFAULTS, DS_FILE, DASH_PROVIDER
    global ALERTMANAGER, RECEIVER, ALERTS, RUNBOOKS
    REPO = root.resolve()
    ALERTMANAGER = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
    RECEIVER = REPO / "deploy" / "alertmanager" / "webhook-receiver.py"
    ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
    RUNBOOKS = REPO / "deploy" / "prometheus" / "runbooks.md"
    COMPOSE = REPO / "deploy" / "docker" / "compose.yml"
    DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"
    PROMETHEUS = REPO / "deploy" / "prometheus" / "prometheus.yml"
    UNIT = REPO / "deploy" / "systemd" / "suno-exporter.service"
    DEFAULTS = REPO / "deploy" / "systemd" / "suno-exporter.default"
    DS_FILE = REPO / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
    DASH_PROVIDER = REPO / "grafana" / "provisioning" / "dashboards" / "suno-exporter.yml"


set_root(Path(__file__).resolve().parents[2])


class Problems(list):
    def add(self, path: Path, message: str) -> None:
        try:
            where = path.resolve().relative_to(REPO)
        except ValueError:
            where = path
        self.append(f"{where}: {message}")


def load_yaml(path: Path, problems: Problems):
    if yaml is None:
        problems.add(path, "PyYAML is not installed (pip install pyyaml)")
        return None
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.add(path, f"does not parse as YAML: {' '.join(str(err).split())}")
        return None


# ----------------------------------------------------------------------------- compose

def parse_volume(entry) -> tuple[str | None, str | None, bool]:
    """(source, target, read_only) of a short or long volume syntax entry."""
    if isinstance(entry, dict):
        return entry.get("source"), entry.get("target"), bool(entry.get("read_only"))
    parts = str(entry).split(":")
    if len(parts) == 1:
        return None, parts[0], False
    return parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")


def is_bind(source: str | None) -> bool:
    return bool(source) and (source.startswith(".") or source.startswith("/") or source.startswith("~"))


def mounts(service: dict) -> list[tuple[str | None, str | None, bool]]:
    return [parse_volume(v) for v in service.get("volumes") or []]


def container_path_for(service: dict, host: Path) -> str | None:
    """Where a host path (or something inside it) appears in the container."""
    for source, target, _ in mounts(service):
        if not is_bind(source) or target is None:
            continue
        src = (COMPOSE.parent / source).resolve()
        if host == src:
            return target
        try:
            return str(Path(target) / host.relative_to(src))
        except ValueError:
            continue
    return None


def check_compose(problems: Problems) -> None:
    doc = load_yaml(COMPOSE, problems)
    if not isinstance(doc, dict):
        if doc is not None:
            problems.add(COMPOSE, "is not a mapping")
        return
    services = doc.get("services") or {}
    declared_volumes = set((doc.get("volumes") or {}).keys())
    exporter_name = next((n for n, s in services.items() if isinstance(s, dict) and s.get("build")), None)
    for required in ("prometheus", "grafana"):
        if required not in services:
            problems.add(COMPOSE, f"has no '{required}' service")
    if exporter_name is None:
        problems.add(COMPOSE, "has no service built from the Dockerfile (the exporter)")

    for name, svc in services.items():
        if not isinstance(svc, dict):
            problems.add(COMPOSE, f"service {name} is not a mapping")
            continue
        if svc.get("privileged"):
            problems.add(COMPOSE, f"service {name} is privileged")
        image = svc.get("image")
        if image and not svc.get("build"):
            tag = image.rsplit("/", 1)[-1].partition(":")[2]
            if not tag or tag == "latest":
                problems.add(COMPOSE, f"service {name}: image {image} is not pinned to a version")
        for source, target, _ in mounts(svc):
            if target is None or not target.startswith("/"):
                problems.add(COMPOSE, f"service {name}: volume target {target!r} is not an absolute path")
            if is_bind(source):
                if not (COMPOSE.parent / source).exists():
                    problems.add(COMPOSE, f"service {name}: bind source {source} does not exist")
            elif source and source not in declared_volumes:
                problems.add(COMPOSE, f"service {name}: named volume {source} is not declared under volumes")
        for dep in svc.get("depends_on") or []:
            if dep not in services:
                problems.add(COMPOSE, f"service {name} depends on unknown service {dep}")

    if exporter_name:
        exp = services[exporter_name]
        build = exp["build"] if isinstance(exp["build"], dict) else {"context": exp["build"]}
        context = (COMPOSE.parent / build.get("context", ".")).resolve()
        dockerfile = context / build.get("dockerfile", "Dockerfile")
        if not (context / "Package.swift").is_file():
            problems.add(COMPOSE, f"exporter build context {context} has no Package.swift")
        if dockerfile.resolve() != DOCKERFILE.resolve():
            problems.add(COMPOSE, f"exporter is built from {dockerfile}, expected {DOCKERFILE}")
        command = exp.get("command") or []
        command = shlex.split(command) if isinstance(command, str) else [str(c) for c in command]
        if not command or command[0] != "serve" or "--demo" not in command:
            problems.add(COMPOSE, f"exporter command {command} is not 'serve --demo ...'")
        if any(c.startswith("--cometapi.key") and not c.startswith("--cometapi.key-file") for c in command):
            problems.add(COMPOSE, "exporter command passes a key as a flag value")
        storage = [c.split("=", 1)[1] for c in command if c.startswith("--storage.path=")]
        data_targets = [t for s, t, _ in mounts(exp) if s and not is_bind(s)]
        if not storage:
            problems.add(COMPOSE, "exporter command has no --storage.path")
        elif not any(storage[0].startswith(t.rstrip("/") + "/") for t in data_targets):
            problems.add(COMPOSE, f"exporter database {storage[0]} is not on a named volume")
        ports = [str(p) for p in exp.get("ports") or []]
        if not any(p.split(":")[-1].split("/")[0] == str(PORT) for p in ports):
            problems.add(COMPOSE, f"exporter does not publish port {PORT}")

    prom = services.get("prometheus")
    if isinstance(prom, dict):
        args = [str(a) for a in prom.get("command") or []]
        config = next((a.split("=", 1)[1] for a in args if a.startswith("--config.file=")), "/etc/prometheus/prometheus.yml")
        expected = container_path_for(prom, PROMETHEUS.resolve())
        if expected != config:
            problems.add(COMPOSE, f"prometheus reads {config}, but deploy/prometheus/prometheus.yml is mounted at {expected}")
        alerts = container_path_for(prom, (PROMETHEUS.parent / "alerts.yml").resolve())
        if alerts is None or Path(alerts).parent != Path(config).parent:
            problems.add(COMPOSE, "alerts.yml is not mounted beside prometheus.yml")
        check_prometheus_targets(exporter_name, problems)

    graf = services.get("grafana")
    if isinstance(graf, dict):
        for host in (DS_FILE.parent, DASH_PROVIDER.parent):
            target = container_path_for(graf, host.resolve())
            if target != f"/etc/grafana/provisioning/{host.name}":
                problems.add(COMPOSE, f"grafana mounts {host.relative_to(REPO)} at {target}, expected /etc/grafana/provisioning/{host.name}")
        dash_target = container_path_for(graf, (REPO / "grafana" / "dashboards").resolve())
        provider = load_yaml(DASH_PROVIDER, problems) or {}
        paths = [((p or {}).get("options") or {}).get("path") for p in provider.get("providers") or []]
        if dash_target is None or dash_target not in paths:
            problems.add(COMPOSE, f"grafana mounts grafana/dashboards at {dash_target}, the provider reads {paths}")
        ds = load_yaml(DS_FILE, problems) or {}
        urls = [(d or {}).get("url", "") for d in ds.get("datasources") or []]
        if not any(re.match(r"^https?://prometheus:9090/?$", u or "") for u in urls):
            problems.add(COMPOSE, f"grafana datasource URLs {urls} do not name the prometheus service (http://prometheus:9090)")


def check_prometheus_targets(exporter_service: str | None, problems: Problems) -> None:
    doc = load_yaml(PROMETHEUS, problems)
    if not isinstance(doc, dict):
        return
    jobs = {j.get("job_name"): j for j in doc.get("scrape_configs") or [] if isinstance(j, dict)}
    job = jobs.get("suno-exporter")
    if job is None:
        problems.add(PROMETHEUS, "has no scrape job 'suno-exporter'")
        return
    interval = job.get("scrape_interval") or (doc.get("global") or {}).get("scrape_interval")
    if interval != "15s":
        problems.add(PROMETHEUS, f"job suno-exporter scrapes every {interval}, expected 15s")
    if "alerts.yml" not in (doc.get("rule_files") or []):
        problems.add(PROMETHEUS, "rule_files does not load alerts.yml")
    targets = [t for sc in job.get("static_configs") or [] for t in sc.get("targets") or []]
    if exporter_service and f"{exporter_service}:{PORT}" not in targets:
        problems.add(PROMETHEUS, f"job suno-exporter targets {targets}, expected {exporter_service}:{PORT} (the compose service)")


# -------------------------------------------------------------------------- Dockerfile

def dockerfile_instructions(text: str) -> list[tuple[int, str, str]]:
    """(line, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out, buf, start = [], "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue  # comment inside a continued instruction
        if not buf:
            start = n
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        parts = buf.strip().split(None, 1)
        out.append((start, parts[0].upper(), parts[1] if len(parts) > 1 else ""))
        buf = ""
    if buf:
        parts = buf.strip().split(None, 1)
        out.append((start, parts[0].upper(), parts[1] if len(parts) > 1 else ""))
    return out


def check_dockerfile(problems: Problems) -> None:
    try:
        text = DOCKERFILE.read_text(encoding="utf-8")
    except OSError as err:
        problems.add(DOCKERFILE, f"cannot be read: {err}")
        return
    instructions = dockerfile_instructions(text)
    args = {}
    for _, ins, rest in instructions:
        if ins == "FROM":
            break
        if ins == "ARG" and "=" in rest:
            key, value = rest.split("=", 1)
            args[key.strip()] = value.strip().strip('"')

    def expand(s: str) -> str:
        return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), m.group(0)), s)

    stages = []  # dicts: image, name, instructions
    for n, ins, rest in instructions:
        if ins == "FROM":
            words = [w for w in rest.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append({"line": n, "image": expand(words[0]) if words else "", "name": name, "body": []})
        elif stages:
            stages[-1]["body"].append((n, ins, rest))
    if len(stages) < 2:
        problems.add(DOCKERFILE, f"has {len(stages)} FROM stage(s), expected a multi-stage build")
        return
    builder, final = stages[0], stages[-1]
    if not re.match(r"^swift:6\.3(\.\d+)?-bookworm$", builder["image"]):
        problems.add(DOCKERFILE, f"builder image is {builder['image']}, expected swift:6.3-bookworm")
    if final["image"] != "debian:bookworm-slim":
        problems.add(DOCKERFILE, f"runtime image is {final['image']}, expected debian:bookworm-slim")
    for stage in stages:
        tag = stage["image"].rsplit("/", 1)[-1].partition(":")[2]
        if not tag or tag == "latest":
            problems.add(DOCKERFILE, f"line {stage['line']}: image {stage['image']} is not pinned")

    def runs(stage) -> str:
        return " ".join(rest for _, ins, rest in stage["body"] if ins == "RUN")

    def installed(stage) -> set[str]:
        pkgs = set()
        for _, ins, rest in stage["body"]:
            if ins != "RUN":
                continue
            for m in re.finditer(r"apt-get install([^&;|]*)", rest):
                pkgs |= {w for w in m.group(1).split() if not w.startswith("-")}
            if "apt-get install" in rest:
                if "--no-install-recommends" not in rest:
                    problems.add(DOCKERFILE, f"stage {stage['name'] or stage['image']}: apt-get install without --no-install-recommends")
                if "rm -rf /var/lib/apt/lists" not in rest:
                    problems.add(DOCKERFILE, f"stage {stage['name'] or stage['image']}: apt lists are not removed in the installing RUN")
                if "apt-get update" not in rest:
                    problems.add(DOCKERFILE, f"stage {stage['name'] or stage['image']}: apt-get install without apt-get update in the same RUN")
        return pkgs

    build_pkgs, runtime_pkgs = installed(builder), installed(final)
    # libcurl4-openssl-dev: the gateway client links libcurl (Sources/CCurl).
    for pkg in ("libsqlite3-dev", "libmicrohttpd-dev", "zlib1g-dev", "libcurl4-openssl-dev", "pkg-config"):
        if pkg not in build_pkgs:
            problems.add(DOCKERFILE, f"builder does not install {pkg}")
    for pkg in ("libsqlite3-0", "libmicrohttpd12", "zlib1g", "libcurl4", "ca-certificates"):
        if pkg not in runtime_pkgs:
            problems.add(DOCKERFILE, f"runtime stage does not install {pkg}")
    build_cmds = runs(builder)
    if not re.search(r"swift build\b[^&;]*-c release", build_cmds) or "--static-swift-stdlib" not in build_cmds:
        problems.add(DOCKERFILE, "builder does not run swift build -c release --static-swift-stdlib")

    names = set()
    for stage in stages:
        for n, ins, rest in stage["body"]:
            if ins == "ADD" and re.search(r"https?://", rest):
                problems.add(DOCKERFILE, f"line {n}: ADD of a URL (use a checked download in RUN)")
            if ins == "COPY":
                words = rest.split()
                src_from = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
                if src_from is not None and src_from not in names and not src_from.isdigit():
                    problems.add(DOCKERFILE, f"line {n}: COPY --from={src_from} names no earlier stage")
                if src_from is None:
                    sources = [w for w in words if not w.startswith("--")][:-1]
                    for src in sources:
                        if not list(REPO.glob(src)):
                            problems.add(DOCKERFILE, f"line {n}: COPY source {src} does not exist in the build context")
        if stage["name"]:
            names.add(stage["name"])

    body = final["body"]
    users = [rest.strip() for _, ins, rest in body if ins == "USER"]
    if not users:
        problems.add(DOCKERFILE, "final stage has no USER (it would run as root)")
    elif users[-1].split(":")[0] in ("root", "0"):
        problems.add(DOCKERFILE, f"final stage runs as {users[-1]}")
    exposed = {p.split("/")[0] for _, ins, rest in body if ins == "EXPOSE" for p in rest.split()}
    if str(PORT) not in exposed:
        problems.add(DOCKERFILE, f"final stage does not EXPOSE {PORT}")
    entry = [rest for _, ins, rest in body if ins == "ENTRYPOINT"]
    if not entry or not entry[-1].strip().startswith("["):
        problems.add(DOCKERFILE, "final stage has no exec-form ENTRYPOINT")
    health = [rest for _, ins, rest in body if ins == "HEALTHCHECK"]
    if not health:
        problems.add(DOCKERFILE, "final stage has no HEALTHCHECK")
    elif "NONE" not in health[-1]:
        cmd = health[-1]
        if "/-/healthy" not in cmd:
            problems.add(DOCKERFILE, "HEALTHCHECK does not probe /-/healthy")
        m = re.search(r"CMD\s+(\[\s*\"([^\"]+)\"|(\S+))", cmd)
        tool = (m.group(2) or m.group(3)) if m else None
        if tool and tool.rsplit("/", 1)[-1] not in runtime_pkgs | {"/usr/local/bin/suno-exporter", "suno-exporter"}:
            problems.add(DOCKERFILE, f"HEALTHCHECK runs {tool}, which the runtime stage does not install")


# ----------------------------------------------------------------------------- systemd

UNIT_REQUIRED = {
    "Service": {
        "StateDirectory": "suno-exporter",
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "Restart": "on-failure",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    },
    "Install": {"WantedBy": "multi-user.target"},
}


def parse_unit(text: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            continue
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def check_systemd(problems: Problems) -> None:
    try:
        unit = parse_unit(UNIT.read_text(encoding="utf-8"))
    except OSError as err:
        problems.add(UNIT, f"cannot be read: {err}")
        return
    for section, keys in UNIT_REQUIRED.items():
        for key, value in keys.items():
            got = unit.get(section, {}).get(key, [])
            if value not in got:
                problems.add(UNIT, f"[{section}] {key}={value} is missing (has {got})")
    service = unit.get("Service", {})
    dynamic = "yes" in service.get("DynamicUser", [])
    user = [u for u in service.get("User", []) if u not in ("root", "0")]
    if not dynamic and not user:
        problems.add(UNIT, "runs as root: set DynamicUser=yes or a dedicated User=")
    if "-/etc/default/suno-exporter" not in service.get("EnvironmentFile", []):
        problems.add(UNIT, "EnvironmentFile=-/etc/default/suno-exporter is missing")
    if service.get("CapabilityBoundingSet", ["x"])[-1] != "":
        problems.add(UNIT, "CapabilityBoundingSet= should be empty (no capabilities)")
    exec_start = " ".join(service.get("ExecStart", []))
    if not exec_start:
        problems.add(UNIT, "has no ExecStart")
    else:
        if " serve" not in exec_start:
            problems.add(UNIT, "ExecStart does not run 'suno-exporter serve'")
        if "--storage.path=/var/lib/suno-exporter/" not in exec_start:
            problems.add(UNIT, "ExecStart does not keep the database in the state directory /var/lib/suno-exporter/")
        if re.search(r"--cometapi\.key(?!-file)", exec_start):
            problems.add(UNIT, "ExecStart passes the key on the command line")
    # The key as a systemd credential, under the name the exporter looks for.
    source = REPO / "Sources" / "SunoUpstream" / "APIKey+Loading.swift"
    try:
        m = re.search(r'credentialName = "([^"]+)"', source.read_text(encoding="utf-8"))
    except OSError:
        m = None
    expected = m.group(1) if m else None
    if expected is None:
        problems.add(source, "has no credentialName (the credential the exporter reads)")
    credentials = [c.split(":", 1) for c in service.get("LoadCredential", [])]
    if not any(len(c) == 2 and c[0] == expected and c[1].startswith("/") for c in credentials):
        problems.add(UNIT, f"LoadCredential={expected}:/absolute/path is missing (has {service.get('LoadCredential', [])})")
    if "--cometapi.key-file" in exec_start:
        problems.add(UNIT, "ExecStart passes --cometapi.key-file, which would hide the credential")
    families = " ".join(service.get("RestrictAddressFamilies", [])).split()
    if not families or families[0].startswith("~"):
        problems.add(UNIT, "RestrictAddressFamilies= does not list the allowed families")
    elif set(families) - {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"}:
        problems.add(UNIT, f"RestrictAddressFamilies= allows more than it needs: {families}")
    if "After" in unit.get("Unit", {}) and "network-online.target" not in " ".join(unit["Unit"]["After"]):
        problems.add(UNIT, "After= does not include network-online.target")

    try:
        defaults = DEFAULTS.read_text(encoding="utf-8")
    except OSError as err:
        problems.add(DEFAULTS, f"cannot be read: {err}")
        return
    for n, line in enumerate(defaults.splitlines(), 1):
        s = line.strip()
        if s.startswith("COMETAPI_KEY=") and s != "COMETAPI_KEY=":
            problems.add(DEFAULTS, f"line {n}: an example file must not set a key")
    if "COMETAPI_KEY" not in defaults:
        problems.add(DEFAULTS, "does not document COMETAPI_KEY")


# ------------------------------------------------------------------------ alertmanager

def alert_rules(problems: Problems) -> list[dict]:
    doc = load_yaml(ALERTS, problems)
    if not isinstance(doc, dict):
        return []
    return [r for g in doc.get("groups") or [] for r in (g or {}).get("rules") or []
            if isinstance(r, dict) and r.get("alert")]


def route_receivers(route: dict) -> list[str]:
    names = [route["receiver"]] if route.get("receiver") else []
    for child in route.get("routes") or []:
        names += route_receivers(child or {})
    return names


def check_alertmanager(problems: Problems) -> None:
    compose = load_yaml(COMPOSE, problems) or {}
    services = compose.get("services") or {}
    config = load_yaml(ALERTMANAGER, problems)
    if not isinstance(config, dict):
        return
    am = services.get("alertmanager")
    if not isinstance(am, dict):
        problems.add(COMPOSE, "has no 'alertmanager' service")
    else:
        args = [str(a) for a in am.get("command") or []]
        path = next((a.split("=", 1)[1] for a in args if a.startswith("--config.file=")),
                    "/etc/alertmanager/alertmanager.yml")
        mounted = container_path_for(am, ALERTMANAGER.resolve())
        if mounted != path:
            problems.add(COMPOSE, f"alertmanager reads {path}, but deploy/alertmanager/alertmanager.yml is mounted at {mounted}")
    prom = load_yaml(PROMETHEUS, problems) or {}
    targets = [t for am_cfg in (prom.get("alerting") or {}).get("alertmanagers") or []
               for sc in (am_cfg or {}).get("static_configs") or [] for t in (sc or {}).get("targets") or []]
    if "alertmanager:9093" not in targets:
        problems.add(PROMETHEUS, f"alerts go to {targets}, not to the compose stack's alertmanager:9093")

    receivers = {r.get("name"): r for r in config.get("receivers") or [] if isinstance(r, dict)}
    route = config.get("route") or {}
    if not route.get("receiver"):
        problems.add(ALERTMANAGER, "the top route has no default receiver")
    for name in route_receivers(route):
        if name not in receivers:
            problems.add(ALERTMANAGER, f"a route names receiver {name!r}, which is not declared")
    for name, receiver in receivers.items():
        for hook in receiver.get("webhook_configs") or []:
            m = re.match(r"^https?://([^/:]+):(\d+)(/.*)?$", str((hook or {}).get("url", "")))
            if not m:
                problems.add(ALERTMANAGER, f"receiver {name}: webhook URL {hook.get('url')!r} is not http://SERVICE:PORT/path")
                continue
            host, port = m.group(1), m.group(2)
            svc = services.get(host)
            if not isinstance(svc, dict):
                problems.add(ALERTMANAGER, f"receiver {name}: webhook host {host} is not a compose service")
                continue
            command = " ".join(str(c) for c in svc.get("command") or [])
            if RECEIVER.name not in command or f":{port}" not in command:
                problems.add(COMPOSE, f"service {host} does not run {RECEIVER.name} on port {port}")
            elif container_path_for(svc, RECEIVER.resolve()) not in command:
                problems.add(COMPOSE, f"service {host} runs a {RECEIVER.name} that is not the mounted one")
    alerts = {r["alert"]: r for r in alert_rules(problems)}
    for rule in config.get("inhibit_rules") or []:
        for matcher in (rule.get("source_matchers") or []) + (rule.get("target_matchers") or []):
            m = re.match(r'^alertname\s*=\s*"?([A-Za-z0-9_]+)"?$', str(matcher))
            if m and m.group(1) not in alerts:
                problems.add(ALERTMANAGER, f"inhibit rule names alert {m.group(1)}, which alerts.yml does not have")
    # Routes tell pages from tickets by severity (the default route takes the rest).
    for name, rule in alerts.items():
        if (rule.get("labels") or {}).get("severity") not in ("critical", "warning"):
            problems.add(ALERTS, f"{name}: severity is not critical or warning")


# -------------------------------------------------------------------------- runbooks

def slug(heading: str) -> str:
    """The anchor GitHub and most Markdown renderers give a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def check_runbooks(problems: Problems) -> None:
    try:
        text = RUNBOOKS.read_text(encoding="utf-8")
    except OSError as err:
        problems.add(RUNBOOKS, f"cannot be read: {err}")
        return
    sections: dict[str, str] = {}
    headings: dict[str, str] = {}
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    for heading, body in zip(parts[1::2], parts[2::2]):
        sections[slug(heading)] = body
        headings[slug(heading)] = heading.strip()
    rules = alert_rules(problems)
    names = {r["alert"] for r in rules}
    for rule in rules:
        name, annotations = rule["alert"], rule.get("annotations") or {}
        for needed in ("summary", "description", "runbook_url"):
            if not str(annotations.get(needed, "")).strip():
                problems.add(ALERTS, f"{name} has no {needed} annotation")
        url = str(annotations.get("runbook_url", ""))
        page, _, anchor = url.partition("#")
        if not page.endswith("deploy/prometheus/runbooks.md"):
            problems.add(ALERTS, f"{name}: runbook_url {url!r} does not point at deploy/prometheus/runbooks.md")
        if anchor != name.lower():
            problems.add(ALERTS, f"{name}: runbook_url anchor #{anchor} is not #{name.lower()}")
        body = sections.get(anchor)
        if body is None:
            problems.add(RUNBOOKS, f"has no section for #{anchor} ({name})")
            continue
        for part in ("**What it means.**", "**First queries.**", "**Likely causes.**", "**What to do.**"):
            if part not in body:
                problems.add(RUNBOOKS, f"section {headings[anchor]} lacks {part}")
    for anchor, heading in headings.items():
        if heading.startswith("Suno") and heading not in names:
            problems.add(RUNBOOKS, f"section {heading} is about an alert that alerts.yml does not have")
    promtool = shutil.which("promtool")
    queries = [q for block in re.findall(r"```promql\n(.*?)```", text, flags=re.S)
               for q in re.split(r"\n(?=\S)", block.strip()) if q.strip()]
    if not queries:
        problems.add(RUNBOOKS, "has no ```promql block")
    if promtool and queries:
        rules_doc = {"groups": [{"name": "runbook-queries", "rules": [
            {"record": f"runbook:query{i}", "expr": q} for i, q in enumerate(queries)]}]}
        with tempfile.TemporaryDirectory(prefix="suno-runbook-queries-") as tmp:
            path = Path(tmp, "rules.yml")
            path.write_text(json.dumps(rules_doc), encoding="utf-8")
            proc = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
            if proc.returncode != 0:
                problems.add(RUNBOOKS, "a PromQL block does not parse: " + " ".join(proc.stdout.split() + proc.stderr.split()))


# ------------------------------------------------------------------------ provisioning

def check_provisioning(problems: Problems) -> None:
    ds = load_yaml(DS_FILE, problems)
    if isinstance(ds, dict):
        if ds.get("apiVersion") != 1:
            problems.add(DS_FILE, "apiVersion is not 1")
        items = [d for d in ds.get("datasources") or [] if isinstance(d, dict)]
        prom = [d for d in items if d.get("type") == "prometheus"]
        if not prom:
            problems.add(DS_FILE, "provisions no prometheus datasource")
        elif not any(d.get("isDefault") for d in prom):
            problems.add(DS_FILE, "no prometheus datasource is the default (the dashboard variable starts on the default)")
        for d in prom:
            interval = (d.get("jsonData") or {}).get("timeInterval")
            if interval != "15s":
                problems.add(DS_FILE, f"datasource {d.get('name')}: jsonData.timeInterval is {interval}, expected the 15s scrape interval")
    elif ds is not None:
        problems.add(DS_FILE, "is not a mapping")
    prov = load_yaml(DASH_PROVIDER, problems)
    if isinstance(prov, dict):
        if prov.get("apiVersion") != 1:
            problems.add(DASH_PROVIDER, "apiVersion is not 1")
        providers = [p for p in prov.get("providers") or [] if isinstance(p, dict)]
        if not providers:
            problems.add(DASH_PROVIDER, "has no provider")
        for p in providers:
            if p.get("type") != "file":
                problems.add(DASH_PROVIDER, f"provider {p.get('name')} is not of type file")
            if not ((p.get("options") or {}).get("path") or "").startswith("/"):
                problems.add(DASH_PROVIDER, f"provider {p.get('name')} has no absolute options.path")
    elif prov is not None:
        problems.add(DASH_PROVIDER, "is not a mapping")


CHECKS = {
    "compose": check_compose,
    "dockerfile": check_dockerfile,
    "systemd": check_systemd,
    "provisioning": check_provisioning,
    "alertmanager": check_alertmanager,
    "runbooks": check_runbooks,
}


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0].startswith("--root="):
        set_root(Path(argv[0].split("=", 1)[1]))
        argv = argv[1:]
    if len(argv) != 1 or argv[0] not in CHECKS:
        print(f"usage: check_deploy.py [--root=DIR] {{{'|'.join(CHECKS)}}}", file=sys.stderr)
        return 2
    problems = Problems()
    CHECKS[argv[0]](problems)
    for line in problems:
        print(line)
    if problems:
        print(f"check_deploy {argv[0]}: {len(problems)} problem(s)")
        return 1
    print(f"check_deploy {argv[0]}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
