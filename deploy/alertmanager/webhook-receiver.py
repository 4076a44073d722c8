#!/usr/bin/env python3
"""A minimal Alertmanager webhook receiver: logs every notification it gets.

Usage: webhook-receiver.py [--listen HOST:PORT] [--record FILE]

Alertmanager POSTs a JSON notification (payload version 4) to the URL of a webhook_config; the
path (here /page or /ticket, deploy/alertmanager/alertmanager.yml) tells which route sent it.
Each alert of a notification is printed as one line (status, name, labels, runbook_url), and with
--record the whole notification is appended to FILE as one JSON line, with the path it came to.
Bodies are untrusted: at most 1 MiB, JSON objects only, anything else is answered 400 and
dropped. The compose stack runs it as the "webhook-receiver" service; Tests/deploy/alert_path.py
imports it to receive the alert path's notifications. Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class Notifications:
    """What arrived, in order: (path, payload). Safe to read from another thread."""

    def __init__(self, record: str | None = None) -> None:
        self._items: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._record = record

    def add(self, path: str, payload: dict) -> None:
        with self._lock:
            self._items.append((path, payload))
            if self._record:
                with open(self._record, "a", encoding="utf-8") as out:
                    out.write(json.dumps({"path": path, "notification": payload}, sort_keys=True) + "\n")

    def all(self) -> list[tuple[str, dict]]:
        with self._lock:
            return list(self._items)


def describe(path: str, payload: dict) -> list[str]:
    lines = []
    for alert in payload.get("alerts") or []:
        if not isinstance(alert, dict):
            continue
        labels = alert.get("labels") if isinstance(alert.get("labels"), dict) else {}
        annotations = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
        shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k != "alertname")
        lines.append(f"{path} {alert.get('status', '?')} {labels.get('alertname', '?')} {{{shown}}} "
                     f"runbook_url={annotations.get('runbook_url', '-')}")
    return lines


def make_handler(notifications: Notifications, quiet: bool = False):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._answer(411, "Content-Length required")
                return
            if length < 0 or length > MAX_BODY:
                self._answer(413, "body too large")
                return
            try:
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self._answer(400, "not JSON")
                return
            if not isinstance(payload, dict) or not isinstance(payload.get("alerts"), list):
                self._answer(400, "not an Alertmanager notification")
                return
            path = self.path.split("?", 1)[0]
            notifications.add(path, payload)
            if not quiet:
                for line in describe(path, payload):
                    print(line, flush=True)
            self._answer(200, "ok")

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200, f"{len(notifications.all())} notifications received")

        def _answer(self, status: int, text: str) -> None:
            body = (text + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # the notification lines are the log
            pass

    return Handler


def serve(host: str, port: int, notifications: Notifications, quiet: bool = False) -> ThreadingHTTPServer:
    """A started server on a daemon thread; `server.server_address` has the bound port."""
    server = ThreadingHTTPServer((host, port), make_handler(notifications, quiet))
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="0.0.0.0:9095", help="HOST:PORT (default 0.0.0.0:9095)")
    parser.add_argument("--record", help="append each notification to this file as a JSON line")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    server = ThreadingHTTPServer((host or "0.0.0.0", int(port)), make_handler(Notifications(args.record)))
    print(f"webhook receiver listening on {args.listen}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
