#!/usr/bin/env python3
"""The alert path, for real: exporter -> Prometheus -> Alertmanager -> webhook receiver.

Usage: alert_path.py SUNO_EXPORTER_BINARY [--keep]

Starts, on loopback ports in a temporary directory:
  - the exporter: `serve --demo --demo.hang --task.stuck-after=5s --collector.interval=1s`
    (every demo task hangs, so tasks are stuck seconds after they are submitted);
  - Prometheus (Debian's prometheus) scraping it every 2 seconds, with deploy/prometheus/alerts.yml
    loaded from a TEMPORARY COPY in which every `for:` is shortened to 5s (SunoTasksStuck waits
    10 minutes in the real file) and sending alerts to:
  - Alertmanager (Debian's prometheus-alertmanager, or alertmanager) with
    deploy/alertmanager/alertmanager.yml, from a temporary copy in which the webhook URLs point at
    the receiver's loopback port and group_wait/group_interval are 1s (30s and 5m in the real file);
  - the webhook receiver of deploy/alertmanager/webhook-receiver.py, in this process.
First, `serve --demo.hang` without --demo must be refused (exit 64).
Then waits (at most 150 s) for a firing SunoTasksStuck notification and checks it: routed to
/ticket (severity warning), labels alertname, severity, job, instance, action, model, and a
runbook_url whose section exists in deploy/prometheus/runbooks.md. On the way it checks that
the exporter answers the probe paths of deploy/kubernetes (/-/healthy, /-/ready).
Prints the notification received. Exits 0 on success, 1 on failure (with the logs' tails),
77 when a binary is missing (run.sh reports it as skipped). --keep leaves the directory.
Needs Python 3 with PyYAML.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RULES = REPO / "deploy" / "prometheus" / "alerts.yml"
RUNBOOKS = REPO / "deploy" / "prometheus" / "runbooks.md"
ALERTMANAGER_CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
RECEIVER = REPO / "deploy" / "alertmanager" / "webhook-receiver.py"
TIMEOUT = 150.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    # Loopback only: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, ""
    except OSError:
        return 0, ""


def wait_for(what: str, condition, deadline: float) -> None:
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    if not condition():
        raise AssertionError(f"timed out waiting for {what}")


class Child:
    def __init__(self, name: str, args: list[str], directory: Path) -> None:
        self.name = name
        self.log = directory / f"{name}.log"
        self.process = subprocess.Popen(args, stdout=open(self.log, "wb"), stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.process.poll() is None

    def tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"    {self.name}: {line}" for line in text[-lines:])

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def load_receiver():
    spec = importlib.util.spec_from_file_location("webhook_receiver", RECEIVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shortened_rules(directory: Path) -> Path:
    """alerts.yml with every `for:` at 5s (the test's only change to the rules)."""
    text = re.sub(r"^(\s+for:\s*)\S+\s*$", r"\g<1>5s", RULES.read_text(encoding="utf-8"), flags=re.M)
    path = directory / "alerts.yml"
    path.write_text(text, encoding="utf-8")
    return path


def alertmanager_config(directory: Path, receiver_port: int) -> Path:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text(encoding="utf-8"))

    def shorten(route: dict) -> None:
        route["group_wait"], route["group_interval"] = "1s", "1s"
        for child in route.get("routes") or []:
            shorten(child)

    shorten(config["route"])
    for receiver in config.get("receivers") or []:
        for hook in receiver.get("webhook_configs") or []:
            hook["url"] = re.sub(r"^http://[^/]+", f"http://127.0.0.1:{receiver_port}", hook["url"])
    path = directory / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def section_anchors() -> set[str]:
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^## (.+)$", RUNBOOKS.read_text(encoding="utf-8"), flags=re.M)}


def probe_paths() -> list[str]:
    sts = yaml.safe_load((REPO / "deploy" / "kubernetes" / "base" / "statefulset.yaml").read_text(encoding="utf-8"))
    container = sts["spec"]["template"]["spec"]["containers"][0]
    return [container[p]["httpGet"]["path"] for p in ("livenessProbe", "readinessProbe")]


def find_alertmanager() -> str | None:
    return shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


def run(binary: str, keep: bool) -> int:
    prometheus, alertmanager = shutil.which("prometheus"), find_alertmanager()
    missing = [n for n, p in (("prometheus", prometheus), ("prometheus-alertmanager", alertmanager)) if not p]
    if not os.access(binary, os.X_OK):
        missing.append(f"the exporter binary {binary}")
    if missing:
        print(f"alert path: skipped, not installed: {', '.join(missing)}")
        return 77
    directory = Path(tempfile.mkdtemp(prefix="suno-alert-path-"))
    receiver_module = load_receiver()
    notifications = receiver_module.Notifications(str(directory / "notifications.jsonl"))
    server = receiver_module.serve("127.0.0.1", 0, notifications, quiet=True)
    receiver_port = server.server_address[1]
    exporter_port, prometheus_port, alertmanager_port = free_port(), free_port(), free_port()
    children: list[Child] = []
    started = time.monotonic()
    deadline = started + TIMEOUT
    try:
        # The hang mode belongs to the demo: alone it is refused with a usage error.
        refused = subprocess.run([binary, "serve", "--demo.hang", f"--storage.path={directory / 'no.db'}"],
                                 capture_output=True, text=True, timeout=60)
        if refused.returncode != 64 or "--demo.hang needs --demo" not in refused.stderr:
            raise AssertionError(f"serve --demo.hang without --demo: exit {refused.returncode}, {refused.stderr.strip()!r}")
        children.append(Child("alertmanager", [
            alertmanager, f"--config.file={alertmanager_config(directory, receiver_port)}",
            f"--storage.path={directory / 'alertmanager-data'}",
            f"--web.listen-address=127.0.0.1:{alertmanager_port}", "--cluster.listen-address=",
            "--log.level=warn"], directory))
        children.append(Child("exporter", [
            binary, "serve", "--demo", "--demo.hang", f"--web.listen-address=127.0.0.1:{exporter_port}",
            f"--storage.path={directory / 'demo.db'}", "--collector.interval=1s", "--task.stuck-after=5s",
            "--log.level=warn"], directory))
        prometheus_config = directory / "prometheus.yml"
        prometheus_config.write_text(json.dumps({
            # 2s scrapes with a 2s timeout: a debug binary on a loaded machine still answers in time
            # (a failed scrape would make the series stale and restart the alert's pending time).
            "global": {"scrape_interval": "2s", "scrape_timeout": "2s", "evaluation_interval": "1s"},
            "rule_files": [str(shortened_rules(directory))],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
            "scrape_configs": [{"job_name": "suno-exporter",
                                "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]}],
        }), encoding="utf-8")
        children.append(Child("prometheus", [
            prometheus, f"--config.file={prometheus_config}", f"--storage.tsdb.path={directory / 'prometheus-data'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}", "--log.level=warn"], directory))

        def all_alive() -> bool:
            dead = [c.name for c in children if not c.alive()]
            if dead:
                raise AssertionError(f"{', '.join(dead)} exited early")
            return True

        exporter = f"http://127.0.0.1:{exporter_port}"
        for path in probe_paths():
            wait_for(f"the exporter's probe {path}", lambda: all_alive() and get(exporter + path)[0] == 200, deadline)
        wait_for("stuck tasks on /metrics", lambda: all_alive() and re.search(
            r"^suno_tasks_stuck\{[^}]*\} [1-9]", get(exporter + "/metrics")[1], flags=re.M) is not None, deadline)

        def stuck_notification():
            for path, payload in notifications.all():
                for alert in payload.get("alerts") or []:
                    labels = alert.get("labels") or {}
                    if labels.get("alertname") == "SunoTasksStuck" and alert.get("status") == "firing":
                        return path, payload, alert
            return None

        wait_for("a SunoTasksStuck notification at the webhook receiver",
                 lambda: all_alive() and stuck_notification() is not None, deadline)
        path, payload, alert = stuck_notification()
        labels, annotations = alert["labels"], alert.get("annotations") or {}
        problems = []
        if path != "/ticket":
            problems.append(f"routed to {path}, expected /ticket (a warning)")
        expected = {"alertname": "SunoTasksStuck", "severity": "warning", "job": "suno-exporter",
                    "instance": f"127.0.0.1:{exporter_port}"}
        for name, value in expected.items():
            if labels.get(name) != value:
                problems.append(f"label {name}={labels.get(name)!r}, expected {value!r}")
        if labels.get("action") not in ("MUSIC", "LYRICS") or not labels.get("model"):
            problems.append(f"labels action/model missing: {labels}")
        url = annotations.get("runbook_url", "")
        if url != "deploy/prometheus/runbooks.md#sunotasksstuck":
            problems.append(f"runbook_url is {url!r}")
        elif url.partition("#")[2] not in section_anchors():
            problems.append(f"runbook_url {url} has no section in runbooks.md")
        if "stuck" not in annotations.get("description", ""):
            problems.append(f"description {annotations.get('description')!r}")
        if payload.get("receiver") != "ticket" or payload.get("version") != "4":
            problems.append(f"receiver {payload.get('receiver')!r}, payload version {payload.get('version')!r}")
        elapsed = time.monotonic() - started
        print(f"alert path: notification after {elapsed:.0f}s at {path} (receiver {payload.get('receiver')}, "
              f"{len(payload.get('alerts') or [])} alert(s) in the group)")
        print("  labels:      " + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
        print(f"  runbook_url: {url}")
        print(f"  summary:     {annotations.get('summary', '')}")
        if problems:
            for p in problems:
                print(f"  PROBLEM: {p}")
            return 1
        return 0
    except (AssertionError, subprocess.TimeoutExpired) as err:
        print(f"alert path: FAILED: {err}")
        for child in children:
            print(child.tail())
        print(f"    notifications received: {json.dumps([p for p, _ in notifications.all()])}")
        return 1
    finally:
        for child in reversed(children):
            child.stop()
        server.shutdown()
        if keep:
            print(f"alert path: kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str]) -> int:
    args = [a for a in argv if a != "--keep"]
    if len(args) != 1:
        print("usage: alert_path.py SUNO_EXPORTER_BINARY [--keep]", file=sys.stderr)
        return 2
    return run(args[0], keep="--keep" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
