#!/usr/bin/env python3
"""Self-tests of the deploy checkers: each known defect, planted in a copy, must be reported.

Usage: test_checks.py [-v]

A checker that passes everything is worse than none. Every test copies the real files into a
temporary tree, plants one defect, runs the checker as run.sh does and expects exit status 1
and a problem line containing the given text. The unmodified copy must pass.
The catalogue is fixtures/design-catalogue.prom, a sample of every family of DESIGN.md
section 3, so these tests do not depend on the exporter's golden file (run.sh checks that).
Python 3 standard library (check_deploy.py itself needs PyYAML) and promtool.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CATALOGUE = HERE / "fixtures" / "design-catalogue.prom"


def run(*args: str) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.returncode, proc.stdout


class Tree:
    """A temporary copy of the files the checkers read."""

    def __init__(self) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="suno-deploy-selftest-")
        self.root = Path(self.tmp.name)
        for d in ("grafana", "deploy"):
            shutil.copytree(REPO / d, self.root / d)
        # The two sources the checks read: the credential name and the probe routes.
        for rel in ("Sources/SunoUpstream/APIKey+Loading.swift", "Sources/SunoExporterApp/Server/Router.swift"):
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / rel, self.root / rel)
        (self.root / "Tests").mkdir()
        (self.root / "Package.swift").write_text("// stub for the COPY check\n")
        shutil.copy(CATALOGUE, self.root / "catalogue.prom")

    def path(self, rel: str) -> Path:
        return self.root / rel

    def replace(self, rel: str, old: str, new: str, count: int = 1) -> None:
        p = self.path(rel)
        text = p.read_text(encoding="utf-8")
        if old not in text:
            raise AssertionError(f"{rel}: {old!r} not found, the test needs updating")
        p.write_text(text.replace(old, new, count), encoding="utf-8")

    def dashboard(self) -> dict:
        return json.loads(self.path("grafana/dashboards/suno-exporter.json").read_text(encoding="utf-8"))

    def save_dashboard(self, dash: dict) -> None:
        self.path("grafana/dashboards/suno-exporter.json").write_text(json.dumps(dash, indent=1), encoding="utf-8")

    def check_dashboards(self) -> tuple[int, str]:
        return run(str(HERE / "check_dashboards.py"), str(self.path("catalogue.prom")),
                   "--dashboards", str(self.path("grafana/dashboards")),
                   "--rules", str(self.path("deploy/prometheus/alerts.yml")),
                   "--text", str(self.path("deploy/prometheus/alerts.yml")))

    def check_queries(self, mode: str) -> tuple[int, str]:
        return run(str(HERE / "check_dashboard_queries.py"), mode, str(self.path("catalogue.prom")),
                   "--dashboards", str(self.path("grafana/dashboards")))

    def check_deploy(self, what: str) -> tuple[int, str]:
        return run(str(HERE / "check_deploy.py"), f"--root={self.root}", what)

    def check_kubernetes(self, renderer: str = "auto") -> tuple[int, str]:
        return run(str(HERE / "check_kubernetes.py"), f"--root={self.root}", f"--renderer={renderer}")

    def generator_check(self) -> tuple[int, str]:
        return run(str(self.path("deploy/kubernetes/generate-prometheusrule.py")), "--check")

    def close(self) -> None:
        self.tmp.cleanup()


def first_target(dash: dict, title: str) -> dict:
    for panel in dash["panels"]:
        if panel.get("title") == title:
            return panel
    raise AssertionError(f"no panel {title!r}")


class CheckerTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tree = Tree()

    def tearDown(self) -> None:
        self.tree.close()

    def assertFlags(self, result: tuple[int, str], text: str) -> None:
        code, output = result
        self.assertEqual(code, 1, f"expected a failure mentioning {text!r}, got exit {code}:\n{output}")
        self.assertIn(text, output)

    def assertClean(self, result: tuple[int, str]) -> None:
        code, output = result
        self.assertEqual(code, 0, output)


class DashboardChecks(CheckerTest):
    def test_unmodified_copy_passes(self):
        self.assertClean(self.tree.check_dashboards())
        self.assertClean(self.tree.check_queries("syntax"))
        self.assertClean(self.tree.check_queries("data"))

    def test_uid(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", '"uid": "suno-exporter"', '"uid": "abc123"')
        self.assertFlags(self.tree.check_dashboards(), "expected the fixed uid 'suno-exporter'")

    def test_tags(self):
        dash = self.tree.dashboard()
        dash["tags"] = ["suno"]
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "do not include 'suno-exporter'")

    def test_datasource_variable(self):
        dash = self.tree.dashboard()
        dash["templating"]["list"] = [v for v in dash["templating"]["list"] if v["name"] != "datasource"]
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "has no 'datasource' template variable")

    def test_cascade(self):
        dash = self.tree.dashboard()
        for v in dash["templating"]["list"]:
            if v["name"] == "model":
                v["query"] = v["definition"] = "label_values(suno_tasks, model)"
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "variable 'model' does not cascade from $action")

    def test_fixed_rate_range(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "[$__rate_interval]", "[5m]")
        self.assertFlags(self.tree.check_dashboards(), "range [5m] must be [$__rate_interval]")

    def test_hard_coded_datasource(self):
        dash = self.tree.dashboard()
        first_target(dash, "Queue depth by status")["datasource"] = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "panel 'Queue depth by status': datasource does not reference ${datasource}")

    def test_missing_description(self):
        dash = self.tree.dashboard()
        first_target(dash, "Store size")["description"] = ""
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "panel 'Store size': has no description")

    def test_unknown_metric(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "suno_store_size_bytes{", "suno_store_bytes{")
        self.assertFlags(self.tree.check_dashboards(), "suno_store_bytes is not in the catalogue")

    def test_bare_histogram(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json",
                          "suno_task_queue_wait_seconds_bucket{", "suno_task_queue_wait_seconds{")
        self.assertFlags(self.tree.check_dashboards(), "suno_task_queue_wait_seconds is a histogram")

    def test_missing_variable_filter(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json",
                          'suno_store_size_bytes{job=~\\"$job\\", ', "suno_store_size_bytes{")
        self.assertFlags(self.tree.check_dashboards(), 'suno_store_size_bytes is not filtered by job=~"$job"')

    def test_unknown_label(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json",
                          'suno_store_size_bytes{job=~\\"$job\\"', 'suno_store_size_bytes{model=~\\"$model\\", job=~\\"$job\\"')
        self.assertFlags(self.tree.check_dashboards(), "suno_store_size_bytes has no label 'model'")

    def test_grouping_label_typo(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "sum by (reason)", "sum by (reasons)")
        self.assertFlags(self.tree.check_dashboards(), "by (reasons): no metric of the query has label 'reasons'")

    def test_unknown_metric_in_alert_rules(self):
        self.tree.replace("deploy/prometheus/alerts.yml", "expr: suno_tasks_stuck{", "expr: suno_task_stuck{")
        self.assertFlags(self.tree.check_dashboards(), "suno_task_stuck is not in the catalogue")

    def test_openmetrics_counter_names_map_back(self):
        cat = self.tree.path("catalogue.prom")
        text = cat.read_text(encoding="utf-8")
        cat.write_text(text.replace("# TYPE suno_tasks_finished_total counter", "# TYPE suno_tasks_finished counter"))
        self.assertClean(self.tree.check_dashboards())

    def test_invalid_promql(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "sum by (status) (suno_tasks{", "sum by (status) (suno_tasks{{")
        self.assertFlags(self.tree.check_queries("syntax"), "panel 'Queue depth by status' target A: not valid PromQL")

    def test_query_without_data(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", 'outcome=\\"success\\"', 'outcome=\\"succeeded\\"')
        self.assertFlags(self.tree.check_queries("data"), "panel 'Time to finish (success)' target A: returns no data")

    def test_link_to_a_missing_dashboard(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "/d/suno-exporter-model/", "/d/suno-model/", 3)
        self.assertFlags(self.tree.check_dashboards(), "links to /d/suno-model, which is no dashboard of the folder")

    def test_drill_down_not_linked_from_the_overview(self):
        dash = self.tree.dashboard()
        for panel in dash["panels"]:
            panel.pop("links", None)
            panel.get("fieldConfig", {}).get("defaults", {}).pop("links", None)
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "no panel links to the dashboard suno-exporter-model")

    def test_data_link_label_the_query_drops(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json", "sum by (action, model) (suno_tasks_stuck{",
                          "sum by (action) (suno_tasks_stuck{")
        self.assertFlags(self.tree.check_dashboards(), "a link uses label 'model', which its queries do not keep")

    def test_stuck_table_link_needs_its_labels(self):
        self.tree.replace("grafana/dashboards/suno-exporter-model.json", "sum by (instance, action, model) (suno_tasks_stuck{",
                          "sum by (action, model) (suno_tasks_stuck{")
        self.assertFlags(self.tree.check_dashboards(), "a link uses label 'instance'")

    def test_task_api_link_parameters(self):
        self.tree.replace("grafana/dashboards/suno-exporter-model.json", "/api/v1/tasks?status=active&", "/api/v1/tasks?state=active&", 2)
        self.assertFlags(self.tree.check_dashboards(), "unknown parameters ['state']")

    def test_spend_panel_interval(self):
        dash = self.tree.dashboard()
        del first_target(dash, "Spend per hour")["interval"]
        self.tree.save_dashboard(dash)
        self.assertFlags(self.tree.check_dashboards(), "panel 'Spend per hour': reads suno_account_* over a range")

    def test_variable_label_without_data(self):
        self.tree.replace("grafana/dashboards/suno-exporter.json",
                          "label_values(suno_exporter_build_info, job)", "label_values(suno_exporter_build_info, jobs)", 2)
        self.assertFlags(self.tree.check_queries("data"), "variable 'job': returns no data")


class DeployChecks(CheckerTest):
    def test_unmodified_copy_passes(self):
        for what in ("compose", "dockerfile", "systemd", "provisioning", "alertmanager", "runbooks"):
            self.assertClean(self.tree.check_deploy(what))

    def test_dockerfile_root_user(self):
        self.tree.replace("deploy/docker/Dockerfile", "USER 10001:10001", "USER root")
        self.assertFlags(self.tree.check_deploy("dockerfile"), "final stage runs as root")

    def test_dockerfile_no_expose(self):
        self.tree.replace("deploy/docker/Dockerfile", "EXPOSE 9877", "EXPOSE 8080")
        self.assertFlags(self.tree.check_deploy("dockerfile"), "does not EXPOSE 9877")

    def test_dockerfile_single_stage(self):
        self.tree.replace("deploy/docker/Dockerfile", "FROM ${RUNTIME_IMAGE} AS runtime", "")
        self.tree.replace("deploy/docker/Dockerfile", "COPY --from=build /out/suno-exporter", "COPY Sources")
        self.assertFlags(self.tree.check_deploy("dockerfile"), "expected a multi-stage build")

    def test_dockerfile_missing_runtime_library(self):
        self.tree.replace("deploy/docker/Dockerfile", "        libmicrohttpd12 \\\n", "")
        self.assertFlags(self.tree.check_deploy("dockerfile"), "runtime stage does not install libmicrohttpd12")

    def test_dockerfile_healthcheck_tool(self):
        self.tree.replace("deploy/docker/Dockerfile", "        curl \\\n", "")
        self.assertFlags(self.tree.check_deploy("dockerfile"), "HEALTHCHECK runs curl, which the runtime stage does not install")

    def test_compose_bad_mount(self):
        self.tree.replace("deploy/docker/compose.yml", "../prometheus:/etc/prometheus:ro", "./prometheus:/etc/prometheus:ro")
        self.assertFlags(self.tree.check_deploy("compose"), "bind source ./prometheus does not exist")

    def test_compose_not_demo(self):
        self.tree.replace("deploy/docker/compose.yml", "      - --demo\n", "")
        self.assertFlags(self.tree.check_deploy("compose"), "is not 'serve --demo ...'")

    def test_compose_scrape_target(self):
        self.tree.replace("deploy/prometheus/prometheus.yml", '"suno-exporter:9877"', '"localhost:9877"')
        self.assertFlags(self.tree.check_deploy("compose"), "expected suno-exporter:9877")

    def test_compose_unpinned_image(self):
        self.tree.replace("deploy/docker/compose.yml", "grafana/grafana:10.4.2", "grafana/grafana")
        self.assertFlags(self.tree.check_deploy("compose"), "is not pinned")

    def test_unit_hardening(self):
        self.tree.replace("deploy/systemd/suno-exporter.service", "NoNewPrivileges=yes\n", "")
        self.assertFlags(self.tree.check_deploy("systemd"), "NoNewPrivileges=yes is missing")

    def test_unit_key_on_command_line(self):
        self.tree.replace("deploy/systemd/suno-exporter.service", " $SUNO_EXPORTER_OPTS", " --cometapi.key=sk-123")
        self.assertFlags(self.tree.check_deploy("systemd"), "passes the key on the command line")

    def test_default_file_with_key(self):
        self.tree.replace("deploy/systemd/suno-exporter.default", "#COMETAPI_KEY=sk-...", "COMETAPI_KEY=sk-live-123")
        self.assertFlags(self.tree.check_deploy("systemd"), "must not set a key")

    def test_unit_without_credential(self):
        self.tree.replace("deploy/systemd/suno-exporter.service", "LoadCredential=cometapi-key:", "#LoadCredential=cometapi-key:")
        self.assertFlags(self.tree.check_deploy("systemd"), "LoadCredential=cometapi-key:/absolute/path is missing")

    def test_unit_credential_name_differs_from_the_exporter(self):
        self.tree.replace("Sources/SunoUpstream/APIKey+Loading.swift", 'credentialName = "cometapi-key"',
                          'credentialName = "cometapi_key"')
        self.assertFlags(self.tree.check_deploy("systemd"), "LoadCredential=cometapi_key:/absolute/path is missing")

    def test_unit_address_families(self):
        self.tree.replace("deploy/systemd/suno-exporter.service", "AF_INET6 AF_NETLINK", "AF_INET6 AF_NETLINK AF_PACKET")
        self.assertFlags(self.tree.check_deploy("systemd"), "allows more than it needs")

    def test_alert_without_runbook_section(self):
        self.tree.replace("deploy/prometheus/runbooks.md", "## SunoModelFailing", "## SunoModelBroken")
        code, output = self.tree.check_deploy("runbooks")
        self.assertFlags((code, output), "has no section for #sunomodelfailing")
        self.assertIn("section SunoModelBroken is about an alert that alerts.yml does not have", output)

    def test_runbook_url_anchor(self):
        self.tree.replace("deploy/prometheus/alerts.yml", "runbooks.md#sunostoregrowing", "runbooks.md#store")
        self.assertFlags(self.tree.check_deploy("runbooks"), "SunoStoreGrowing: runbook_url anchor #store")

    def test_runbook_section_incomplete(self):
        self.tree.replace("deploy/prometheus/runbooks.md", "**Likely causes.** Too many calls", "Too many calls")
        self.assertFlags(self.tree.check_deploy("runbooks"), "section SunoGatewayRateLimited lacks **Likely causes.**")

    def test_runbook_promql(self):
        self.tree.replace("deploy/prometheus/runbooks.md", 'changes(process_start_time_seconds{instance="INSTANCE"}[1h])',
                          'changes(process_start_time_seconds{instance="INSTANCE"}[1h)')
        self.assertFlags(self.tree.check_deploy("runbooks"), "a PromQL block does not parse")

    def test_alertmanager_unknown_receiver(self):
        self.tree.replace("deploy/alertmanager/alertmanager.yml", "      receiver: page", "      receiver: pager")
        self.assertFlags(self.tree.check_deploy("alertmanager"), "names receiver 'pager', which is not declared")

    def test_alertmanager_webhook_to_nowhere(self):
        self.tree.replace("deploy/alertmanager/alertmanager.yml", "http://webhook-receiver:9095/page", "http://receiver:9095/page")
        self.assertFlags(self.tree.check_deploy("alertmanager"), "webhook host receiver is not a compose service")

    def test_alertmanager_not_wired_to_prometheus(self):
        self.tree.replace("deploy/prometheus/prometheus.yml", '"alertmanager:9093"', '"localhost:9093"')
        self.assertFlags(self.tree.check_deploy("alertmanager"), "not to the compose stack's alertmanager:9093")

    def test_alertmanager_inhibits_an_unknown_alert(self):
        self.tree.replace("deploy/alertmanager/alertmanager.yml", 'alertname="SunoGatewayUnreachable"', 'alertname="SunoGatewayDown"')
        self.assertFlags(self.tree.check_deploy("alertmanager"), "names alert SunoGatewayDown")

    def test_provider_path(self):
        self.tree.replace("grafana/provisioning/dashboards/suno-exporter.yml",
                          "path: /var/lib/grafana/dashboards/suno-exporter", "path: /dashboards")
        self.assertFlags(self.tree.check_deploy("compose"), "the provider reads ['/dashboards']")


class KubernetesChecks(CheckerTest):
    STS = "deploy/kubernetes/base/statefulset.yaml"
    SHARDED = "deploy/kubernetes/overlays/sharded/kustomization.yaml"

    def test_unmodified_copy_passes(self):
        self.assertClean(self.tree.check_kubernetes("auto"))
        self.assertClean(self.tree.check_kubernetes("python"))
        self.assertClean(self.tree.generator_check())

    def test_rule_drift(self):
        # The rule file changes and the PrometheusRule is not regenerated.
        self.tree.replace("deploy/prometheus/alerts.yml", "for: 10m", "for: 20m")
        self.assertFlags(self.tree.generator_check(), "differs from deploy/prometheus/alerts.yml")
        self.assertFlags(self.tree.check_kubernetes("python"), "the PrometheusRule's groups differ")

    def test_writable_root_filesystem(self):
        self.tree.replace(self.STS, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
        self.assertFlags(self.tree.check_kubernetes("python"), "readOnlyRootFilesystem is not true")

    def test_capabilities_kept(self):
        self.tree.replace(self.STS, "                - ALL\n", "                - NET_RAW\n")
        self.assertFlags(self.tree.check_kubernetes("python"), "capabilities do not drop ALL")

    def test_probe_path_that_is_no_route(self):
        self.tree.replace(self.STS, "path: /-/ready", "path: /ready")
        self.assertFlags(self.tree.check_kubernetes("python"), "readinessProbe path is '/ready', expected /-/ready")
        self.tree.replace("Sources/SunoExporterApp/Server/Router.swift", 'case "/-/healthy"', 'case "/-/alive"')
        self.assertFlags(self.tree.check_kubernetes("python"), "livenessProbe path /-/healthy is not a route")

    def test_memory_request_below_measurement(self):
        self.tree.replace(self.STS, "memory: 64Mi", "memory: 8Mi")
        self.assertFlags(self.tree.check_kubernetes("python"), "memory request 8Mi is below the measured")

    def test_world_readable_key(self):
        self.tree.replace(self.STS, "defaultMode: 0440", "defaultMode: 0444")
        self.assertFlags(self.tree.check_kubernetes("python"), "--cometapi.key-file: defaultMode 0o444")

    def test_shards_and_replicas_disagree(self):
        self.tree.replace(self.SHARDED, 'value: "3"', 'value: "4"')
        self.assertFlags(self.tree.check_kubernetes("python"), "SHARDS='4' must equal replicas (3)")

    def test_entrypoint_drops_the_shard(self):
        self.tree.replace(self.SHARDED, '--shard "$ordinal/$SHARDS"', '--shard "0/$SHARDS"')
        self.assertFlags(self.tree.check_kubernetes("python"), "pod suno-exporter-1 would run")

    def test_entrypoint_accepts_any_name(self):
        self.tree.replace(self.SHARDED, "exit 64 ;;", ";;")
        self.assertFlags(self.tree.check_kubernetes("python"), "the entrypoint starts a pod named 'suno-exporter-x'")

    def test_demo_needs_no_secret(self):
        self.tree.replace("deploy/kubernetes/overlays/demo/kustomization.yaml", "          - --demo\n",
                          "          - --demo\n          - --cometapi.key-file=/etc/suno-exporter/key/cometapi-key\n")
        self.assertFlags(self.tree.check_kubernetes("python"), "the demo overlay needs a Secret or a key file")

    def test_unsupported_kustomize_field(self):
        self.tree.replace("deploy/kubernetes/overlays/demo/kustomization.yaml", "resources:", "namePrefix: x-\nresources:")
        self.assertFlags(self.tree.check_kubernetes("python"), "fields this renderer does not support: ['namePrefix']")


class PendingFamilies(unittest.TestCase):
    def test_only_families_the_golden_lacks(self):
        fixture = HERE / "fixtures" / "account-metrics.prom"
        with tempfile.TemporaryDirectory() as tmp:
            golden = Path(tmp, "golden.prom")
            golden.write_text("# TYPE suno_account_balance_usd gauge\nsuno_account_balance_usd 1\n", encoding="utf-8")
            code, output = run(str(HERE / "pending_families.py"), str(fixture), str(golden))
        self.assertEqual(code, 0, output)
        self.assertNotIn("suno_account_balance_usd", output)
        self.assertIn("# TYPE suno_account_used_usd gauge", output)
        self.assertIn('suno_account_key_remaining_usd{key_name="default"} +Inf', output)
        code, output = run(str(HERE / "pending_families.py"), str(fixture), str(fixture))
        self.assertEqual((code, output), (0, ""))


if __name__ == "__main__":
    unittest.main()
