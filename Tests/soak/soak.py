#!/usr/bin/env python3
"""Load and soak test of a release-built suno-exporter (make soak, and a 60-second run in make test).

Processes, all on loopback:
  - `suno-exporter simulate`: the gateway simulator, with SOAK_TASKS music tasks submitted through its
    `POST /suno/submit/music` endpoint; their timelines are stretched (--time-scale) so they stay active
    for the whole run while their statuses keep changing;
  - `suno-exporter serve` against it, with every simulated task registered over the API, so each cycle
    polls them all;
  - wrk scraping /metrics as Prometheus does (OpenMetrics, gzip) over 64 connections;
  - an API client (a thread here) registering and forgetting ids and posting notify-hook callbacks;
  - the `tasks` CLI (list, show, add, forget) run over and over as a second process on the same database.

Every 10 s the exporter's resident memory and open file descriptors are sampled. The run fails on any
error (a refused or dropped connection, a timeout, a 5xx other than the documented 503 "store busy" of
API writes, an unexpected status, a CLI failure), when the exporter stops polling, or when memory or
descriptors grow after warm-up beyond the tolerance printed with the figures.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque

MODELS = ["chirp-v3-5", "chirp-v4", "chirp-auk", "chirp-bluejay", "chirp-crow"]
PROMPT = "[Verse]\nNeon rain on the window glass\nCity lights that never pass\n\n[Chorus]\nHold on to the night"
# What Prometheus 3 sends when scraping.
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.1"
)
MIB = 1024 * 1024


def log(message):
    print(f"soak: {message}", flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Child:
    """A child process whose output goes to a file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name, arguments, directory, environment=None):
        self.name = name
        self.log_path = os.path.join(directory, f"{name}.log")
        self.log_file = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            arguments, stdout=self.log_file, stderr=subprocess.STDOUT, env=environment, start_new_session=True
        )

    @property
    def pid(self):
        return self.process.pid

    def running(self):
        return self.process.poll() is None

    def stop(self):
        if self.running():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return self.process.returncode

    def tail(self, lines=20):
        with open(self.log_path, "rb") as handle:
            return b"".join(handle.readlines()[-lines:]).decode("utf-8", "replace")


class Client:
    """One keep-alive HTTP connection that reconnects after a failure (and counts it)."""

    def __init__(self, port, timeout=60):
        self.port = port
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        all_headers.update(headers or {})
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.connection.request(method, path, body=data, headers=all_headers)
            response = self.connection.getresponse()
            payload = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, payload
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def wait_until(description, predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{description}: not reached within {timeout} s")


def submit_tasks(simulator_port, count, workers=4):
    """Submits `count` music tasks to the simulator; returns their ids."""
    ids = [None] * count
    failures = []

    def work(offset):
        client = Client(simulator_port)
        for index in range(offset, count, workers):
            body = {"prompt": PROMPT, "mv": MODELS[index % len(MODELS)], "tags": "synthwave", "title": f"soak {index}"}
            status, payload = client.request("POST", "/suno/submit/music", body)
            answer = json.loads(payload)
            if status != 200 or answer.get("code") != "success":
                failures.append(f"submit {index}: {status} {payload[:200]!r}")
                return
            ids[index] = answer["data"]
        client.close()

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return ids


def register(exporter_port, ids):
    client = Client(exporter_port)
    for start in range(0, len(ids), 1000):
        while True:
            status, payload = client.request("POST", "/api/v1/tasks", {"ids": ids[start : start + 1000]})
            if status == 503:
                time.sleep(1)
                continue
            if status != 202:
                raise RuntimeError(f"registering tasks: {status} {payload[:200]!r}")
            break
    client.close()


def scrape_text(exporter_port):
    status, payload = Client(exporter_port).request("GET", "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    return payload.decode()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def metric_sum(text, name, **labels):
    """Sum of the samples of `name` (text format) whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if not match or match.group(1) != name:
            continue
        found = dict(LABEL.findall(match.group(2) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            total += float(match.group(3))
    return total


class Outcomes:
    """Thread-safe tally of what the API client and the CLI saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = Counter()
        self.errors = []

    def ok(self, kind):
        with self.lock:
            self.counts[kind] += 1

    def error(self, message):
        with self.lock:
            self.counts["errors"] += 1
            if len(self.errors) < 20:
                self.errors.append(message)


def api_client(port, simulator_ids, deadline, rate, outcomes):
    """Registers and forgets its own ids and posts hooks at about `rate` requests per second.

    Its own ids stay fewer than 300 (each batch registered is forgotten later), so the watch list does
    not grow during the run and memory has no reason to either.
    """
    client = Client(port)
    own = deque()
    serial = 0
    step = 0
    interval = 1.0 / rate

    def call(kind, method, path, body, expected):
        try:
            status, payload = client.request(method, path, body)
        except (OSError, http.client.HTTPException) as error:
            outcomes.error(f"{kind}: connection failed: {error!r}")
            return None
        if status == 503 and method in ("POST", "DELETE"):
            outcomes.ok(f"{kind} 503 busy")  # documented: store busy, retry after Retry-After
            return None
        if status not in expected:
            outcomes.error(f"{kind}: {method} {path} answered {status}: {payload[:200]!r}")
            return None
        outcomes.ok(f"{kind} {status}")
        return payload

    next_at = time.monotonic()
    while time.monotonic() < deadline:
        step += 1
        choice = step % 8
        if choice in (0, 4):
            batch = [f"soak-{os.getpid()}-{serial + n}" for n in range(10)]
            serial += 10
            labels = {"team": "soak", "batch": str(serial)}
            # Counted as one "register" request of ten ids.
            if call("register", "POST", "/api/v1/tasks", {"ids": batch, "model": "chirp-v4", "labels": labels}, {202}):
                own.extend(batch)
        elif choice == 1 and len(own) > 200:
            for _ in range(10):
                call("forget", "DELETE", f"/api/v1/tasks/{own.popleft()}", None, {204})
        elif choice in (2, 6):
            # A callback for a simulated task, with a status it can have while running; polling corrects it.
            task = simulator_ids[(step * 7919) % len(simulator_ids)]
            hook = {"task_id": task, "action": "MUSIC", "status": "IN_PROGRESS", "progress": "40%",
                    "submit_time": int(time.time()) - 60, "data": [{"status": "streaming", "model_name": "chirp-v4"}]}
            call("hook", "POST", "/api/v1/hooks/suno", {"code": "success", "data": hook}, {202})
        elif choice == 3 and own:
            # A callback that finishes one of our own ids.
            hook = {"task_id": own[-1], "action": "MUSIC", "status": "SUCCESS", "progress": "100%",
                    "finish_time": int(time.time())}
            call("hook", "POST", "/api/v1/hooks/suno", hook, {202})
        elif choice == 5:
            call("list", "GET", "/api/v1/tasks?status=active&limit=50", None, {200})
        else:
            task = simulator_ids[(step * 104729) % len(simulator_ids)]
            call("show", "GET", f"/api/v1/tasks/{task}", None, {200})
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            next_at = time.monotonic()
    # Leave the watch list as it was.
    while own:
        call("forget", "DELETE", f"/api/v1/tasks/{own.popleft()}", None, {204, 404})
    client.close()


def cli_loop(binary, database, simulator_ids, deadline, outcomes):
    """The `tasks` CLI, one process after another, on the server's database."""
    step = 0
    while time.monotonic() < deadline:
        step += 1
        task = simulator_ids[(step * 31) % len(simulator_ids)]
        own = f"soak-cli-{step}"
        commands = [
            ("cli list", ["tasks", "list", "--status", "active", "--limit", "20"]),
            ("cli show", ["tasks", "show", task]),
            ("cli add", ["tasks", "add", "--label", "source=soak", own]),
            ("cli forget", ["tasks", "forget", own]),
        ]
        for kind, arguments in commands:
            try:
                done = subprocess.run(
                    [binary, *arguments, "--storage.path", database], capture_output=True, timeout=120
                )
            except subprocess.TimeoutExpired:
                outcomes.error(f"{kind}: did not finish within 120 s")
                continue
            if done.returncode != 0:
                outcomes.error(f"{kind}: exit {done.returncode}: {done.stderr.decode(errors='replace')[:300]}")
            else:
                outcomes.ok(kind)


def sample_process(pid):
    with open(f"/proc/{pid}/status") as handle:
        rss_kib = next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    return rss_kib * 1024, len(os.listdir(f"/proc/{pid}/fd"))


def sampler(pid, started, deadline, samples, every=10.0):
    next_at = started
    while True:
        now = time.monotonic()
        if now >= next_at:
            try:
                rss, fds = sample_process(pid)
            except OSError:
                return
            samples.append((now - started, rss, fds))
            next_at += every
        if now >= deadline:
            return
        time.sleep(min(1.0, max(0.0, next_at - time.monotonic())))


def parse_duration(text):
    value, unit = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}[unit]


def parse_wrk(output):
    figures = {"p50": None, "p99": None, "requests": 0, "rate": 0.0, "socket_errors": 0, "non_2xx": 0}
    for line in output.splitlines():
        line = line.strip()
        if match := re.fullmatch(r"(50|99)(?:\.0+)?%\s+(\S+)", line):
            figures["p" + match.group(1)] = parse_duration(match.group(2))
        elif match := re.match(r"(\d+) requests in", line):
            figures["requests"] = int(match.group(1))
        elif match := re.match(r"Requests/sec:\s+([0-9.]+)", line):
            figures["rate"] = float(match.group(1))
        elif line.startswith("Socket errors:"):
            figures["socket_errors"] = sum(int(n) for n in re.findall(r"\d+", line))
        elif match := re.match(r"Non-2xx or 3xx responses:\s+(\d+)", line):
            figures["non_2xx"] = int(match.group(1))
    return figures


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return 60 * sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def judge_growth(samples, warmup, rss_tolerance, rss_slack, fd_slack):
    """Compares the last samples with the first ones after warm-up; returns (verdict lines, failed).

    Each side is the median of three samples, so one sample taken in the middle of a cycle's
    allocations decides nothing. The trend over the second half is printed as well.
    """
    settled = [sample for sample in samples if sample[0] >= warmup]
    if len(settled) < 4:
        return [f"only {len(settled)} samples after warm-up: growth not judged"], True

    def median(values):
        return sorted(values)[len(values) // 2]

    baseline_rss = median([sample[1] for sample in settled[:3]])
    final_rss = median([sample[1] for sample in settled[-3:]])
    baseline_fds = median([sample[2] for sample in settled[:3]])
    final_fds = median([sample[2] for sample in settled[-3:]])
    allowed_rss = baseline_rss * (1 + rss_tolerance) + rss_slack
    allowed_fds = baseline_fds + fd_slack
    second_half = [(t, rss / MIB) for t, rss, _ in samples if t >= samples[-1][0] / 2]
    # A trend needs a few minutes of samples to mean anything.
    trend = f"; trend over the second half {slope_per_minute(second_half):+.2f} MiB/min" if len(second_half) >= 12 else ""
    lines = [
        f"RSS after warm-up {baseline_rss / MIB:.1f} MiB, at the end {final_rss / MIB:.1f} MiB "
        f"(allowed up to {allowed_rss / MIB:.1f} MiB: +{rss_tolerance:.0%} +{rss_slack / MIB:.0f} MiB){trend}",
        f"open fds after warm-up {baseline_fds}, at the end {final_fds} (allowed up to {allowed_fds})",
    ]
    return lines, final_rss > allowed_rss or final_fds > allowed_fds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="release-built suno-exporter")
    parser.add_argument("--seconds", type=int, default=600, help="length of the load phase")
    parser.add_argument("--tasks", type=int, default=10_000, help="simulated tasks the exporter polls")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections scraping /metrics")
    parser.add_argument("--api-rate", type=float, default=40, help="API client requests per second")
    parser.add_argument("--warmup", type=float, help="seconds before growth is judged (default: max(20, 20%%))")
    parser.add_argument("--rss-tolerance", type=float, default=0.10, help="allowed RSS growth after warm-up")
    parser.add_argument("--rss-slack-mib", type=float, default=16, help="allowed RSS growth on top, MiB")
    parser.add_argument("--fd-slack", type=int, default=16, help="allowed growth of open descriptors")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, database)")
    options = parser.parse_args()
    warmup = options.warmup if options.warmup is not None else max(20.0, options.seconds * 0.2)
    if shutil.which("wrk") is None:
        sys.exit("soak: wrk is not installed (make deps)")

    directory = tempfile.mkdtemp(prefix="suno-soak-")
    children = []
    failures = []
    try:
        simulator_port, exporter_port = free_port(), free_port()
        # Timelines stretched so a task takes longer than the run to finish: every task stays polled.
        time_scale = max(1.0, options.seconds / 30)
        simulator = Child(
            "simulator",
            [options.binary, "simulate", "--listen", f"127.0.0.1:{simulator_port}", "--time-scale", str(time_scale),
             "--log.level", "warn"],
            directory,
        )
        children.append(simulator)
        wait_until("simulator listening", lambda: Client(simulator_port, 2).request("GET", "/")[0] > 0, 60)
        started = time.monotonic()
        simulator_ids = submit_tasks(simulator_port, options.tasks)
        log(f"{options.tasks} tasks submitted to the simulator in {time.monotonic() - started:.1f} s "
            f"(time scale {time_scale:g})")

        database = os.path.join(directory, "soak.db")
        environment = dict(os.environ, COMETAPI_KEY="soak-not-a-secret")
        exporter = Child(
            "exporter",
            [options.binary, "serve", "--web.listen-address", f"127.0.0.1:{exporter_port}",
             "--cometapi.base-url", f"http://127.0.0.1:{simulator_port}", "--storage.path", database,
             "--collector.interval", "15s", "--log.level", "warn"],
            directory,
            environment,
        )
        children.append(exporter)
        wait_until("exporter healthy", lambda: Client(exporter_port, 2).request("GET", "/-/healthy")[0] == 200, 60)
        started = time.monotonic()
        register(exporter_port, simulator_ids)
        wait_until("exporter ready", lambda: Client(exporter_port, 5).request("GET", "/-/ready")[0] == 200, 120)
        # The first cycle that sees every task: ids requested reach the watch list's size.
        wait_until(
            "first full cycle",
            lambda: metric_sum(scrape_text(exporter_port), "suno_upstream_ids_requested_total") >= options.tasks,
            180,
        )
        before = scrape_text(exporter_port)
        log(f"{options.tasks} tasks registered and polled once in {time.monotonic() - started:.1f} s")

        outcomes = Outcomes()
        samples = []
        started = time.monotonic()
        deadline = started + options.seconds
        wrk = subprocess.Popen(
            ["wrk", "-t2", f"-c{options.connections}", f"-d{options.seconds}s", "--timeout", "30s", "--latency",
             "-H", f"Accept: {PROMETHEUS_ACCEPT}", "-H", "Accept-Encoding: gzip",
             f"http://127.0.0.1:{exporter_port}/metrics"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        threads = [
            threading.Thread(target=sampler, args=(exporter.pid, started, deadline, samples)),
            threading.Thread(target=api_client, args=(exporter_port, simulator_ids, deadline, options.api_rate, outcomes)),
            threading.Thread(target=cli_loop, args=(options.binary, database, simulator_ids, deadline, outcomes)),
        ]
        for thread in threads:
            thread.start()
        wrk_output, _ = wrk.communicate(timeout=options.seconds + 120)
        for thread in threads:
            thread.join(timeout=300)
        after = scrape_text(exporter_port)
        end_rss, end_fds = sample_process(exporter.pid)

        scrapes = parse_wrk(wrk_output)
        polled = metric_sum(after, "suno_upstream_ids_requested_total") - metric_sum(
            before, "suno_upstream_ids_requested_total")
        cycles = polled / options.tasks
        fetch_failures = metric_sum(after, "suno_upstream_requests_total", endpoint="fetch") - metric_sum(
            after, "suno_upstream_requests_total", endpoint="fetch", code="200")

        log(f"load phase {options.seconds} s: {options.tasks} tasks polled, wrk -c{options.connections} on /metrics")
        p50 = f"{scrapes['p50'] * 1000:.2f} ms" if scrapes["p50"] is not None else "?"
        p99 = f"{scrapes['p99'] * 1000:.2f} ms" if scrapes["p99"] is not None else "?"
        log(f"/metrics: {scrapes['requests']} requests, {scrapes['rate']:.0f} requests/s, p50 {p50}, p99 {p99}, "
            f"socket errors {scrapes['socket_errors']}, non-2xx {scrapes['non_2xx']}")
        log("API client and CLI: " + ", ".join(f"{kind} {count}" for kind, count in sorted(outcomes.counts.items())))
        log(f"collector: {polled:.0f} ids polled during the run (≈ {cycles:.1f} full cycles); "
            f"gateway requests not answered 200 since start: {fetch_failures:.0f}")
        for elapsed, rss, fds in samples:
            log(f"  t={elapsed:5.0f} s  RSS {rss / MIB:7.1f} MiB  fds {fds}")
        if samples:
            log(f"exporter before the load: RSS {samples[0][1] / MIB:.1f} MiB, {samples[0][2]} fds; after it "
                f"(scrapers gone): RSS {end_rss / MIB:.1f} MiB, {end_fds} fds")
        verdict, grew = judge_growth(
            samples, warmup, options.rss_tolerance, options.rss_slack_mib * MIB, options.fd_slack)
        for line in verdict:
            log(line)

        if scrapes["requests"] == 0 or scrapes["p99"] is None:
            failures.append("wrk made no requests:\n" + wrk_output)
        if scrapes["socket_errors"] or scrapes["non_2xx"]:
            failures.append(f"/metrics: {scrapes['socket_errors']} socket errors, {scrapes['non_2xx']} non-2xx")
        if outcomes.counts["errors"]:
            failures.append(f"{outcomes.counts['errors']} API/CLI errors, first: " + "; ".join(outcomes.errors[:5]))
        # Cycles start every 15 s; on a loaded machine one may take longer, but polling must go on.
        if cycles < max(1.0, options.seconds / 15 * 0.25):
            failures.append(f"the collector polled only {cycles:.1f} full cycles in {options.seconds} s")
        if grew:
            failures.append("memory or descriptors grew after warm-up beyond the tolerance")
        if not exporter.running():
            failures.append(f"the exporter exited:\n{exporter.tail()}")
    except Exception as error:  # the figures so far are printed; the run fails with the reason
        failures.append(f"{type(error).__name__}: {error}")
    finally:
        for child in reversed(children):
            code = child.stop()
            if code not in (0, -signal.SIGTERM):
                failures.append(f"{child.name} exited with {code} on SIGTERM:\n{child.tail()}")
        if options.keep or failures:
            log(f"logs and database kept in {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)

    if failures:
        for failure in failures:
            log("FAILED: " + failure)
        sys.exit(1)
    log("passed: no errors, no growth after warm-up")


if __name__ == "__main__":
    main()
