#!/usr/bin/env bash
# Checks of the operational files: Prometheus config and rules, Grafana dashboards and
# provisioning, Docker and compose files, the systemd unit.
#
# Usage: Tests/deploy/run.sh CATALOGUE...
#   CATALOGUE: the exporter's golden exposition file (text format), the metric contract that
#   dashboards and alerts are checked against. Several files are merged: when the golden file
#   has no process_* metrics, add Tests/deploy/fixtures/process-metrics.prom.
#   Without arguments, $SUNO_CATALOGUE (space-separated paths) is used.
# Needs: promtool (Debian package prometheus), python3 with PyYAML; systemd-analyze is optional.
# Prints one line per check, the output of failed ones, and ends with
# "deploy checks: N passed, M failed[, K skipped]". Exits 1 if any check failed.

set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root" || exit 2

if (($# == 0)) && [[ -n "${SUNO_CATALOGUE:-}" ]]; then
    read -r -a given <<<"$SUNO_CATALOGUE"
    set -- "${given[@]}"
fi
if (($# == 0)); then
    echo "usage: Tests/deploy/run.sh CATALOGUE...   (the exporter's golden exposition file)" >&2
    exit 2
fi
catalogues=()
for file in "$@"; do
    if [[ ! -f "$file" ]]; then
        echo "catalogue $file: no such file" >&2
        exit 2
    fi
    catalogues+=("$(cd "$(dirname "$file")" && pwd)/$(basename "$file")")
done

passed=0
failed=0
skipped=0
tmp="$(mktemp -d -t suno-deploy-checks.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# check NAME COMMAND...: runs COMMAND, counts it, shows its output only when it fails.
check() {
    local name="$1"
    shift
    if "$@" >"$tmp/out" 2>&1; then
        passed=$((passed + 1))
        printf 'ok    %s\n' "$name"
    else
        failed=$((failed + 1))
        printf 'FAIL  %s\n' "$name"
        sed 's/^/      /' "$tmp/out"
    fi
}

skip() {
    skipped=$((skipped + 1))
    printf 'skip  %s (%s)\n' "$1" "$2"
}

missing() {
    failed=$((failed + 1))
    printf 'FAIL  %s\n      %s\n' "$1" "$2"
}

# --- Prometheus -------------------------------------------------------------------------
if command -v promtool >/dev/null 2>&1; then
    check "promtool check config deploy/prometheus/prometheus.yml" \
        promtool check config deploy/prometheus/prometheus.yml
    check "promtool check rules deploy/prometheus/alerts.yml" \
        promtool check rules deploy/prometheus/alerts.yml
    check "promtool test rules deploy/prometheus/alerts_test.yml" \
        promtool test rules deploy/prometheus/alerts_test.yml
    for file in "${catalogues[@]}"; do
        check "promtool check metrics ${file#"$root"/}" sh -c 'promtool check metrics < "$1"' sh "$file"
    done
    check "dashboard queries are valid PromQL" \
        python3 "$here/check_dashboard_queries.py" syntax "${catalogues[@]}"
    check "dashboard queries return data on the catalogue" \
        python3 "$here/check_dashboard_queries.py" data "${catalogues[@]}"
else
    for name in "promtool check config" "promtool check rules" "promtool test rules" \
        "promtool check metrics" "dashboard queries are valid PromQL" \
        "dashboard queries return data on the catalogue"; do
        missing "$name" "promtool not found: apt-get install prometheus"
    done
fi

# --- systemd ----------------------------------------------------------------------------
# verify also checks that ExecStart's binary exists; it is not installed on a build machine,
# so a copy of the unit whose ExecStart runs /bin/true (same arguments) is verified instead.
if command -v systemd-analyze >/dev/null 2>&1; then
    sed 's#^ExecStart=/usr/local/bin/suno-exporter #ExecStart=/bin/true #' \
        deploy/systemd/suno-exporter.service >"$tmp/suno-exporter.service"
    check "systemd-analyze verify deploy/systemd/suno-exporter.service" \
        sh -c 'out=$(systemd-analyze verify "$1" 2>&1); printf "%s\n" "$out"; [ -z "$out" ]' sh "$tmp/suno-exporter.service"
    if systemd-analyze security --help 2>/dev/null | grep -q -- '--offline'; then
        # Exposure 0.0 (locked down) to 10.0 (unprotected); the unit scores 1.1.
        check "systemd-analyze security: exposure at most 2.0" \
            systemd-analyze security --offline=yes --threshold=20 "$tmp/suno-exporter.service"
    else
        skip "systemd-analyze security" "this systemd has no --offline"
    fi
else
    skip "systemd-analyze verify" "systemd-analyze not available"
fi

# --- Python checks ----------------------------------------------------------------------
check "dashboards and rules against the catalogue (check_dashboards.py)" \
    python3 "$here/check_dashboards.py" "${catalogues[@]}"
if python3 -c 'import yaml' >/dev/null 2>&1; then
    for what in compose dockerfile systemd provisioning; do
        check "static check: $what (check_deploy.py)" python3 "$here/check_deploy.py" "$what"
    done
    check "self-tests: the checkers catch planted defects (test_checks.py)" \
        python3 "$here/test_checks.py"
else
    for what in compose dockerfile systemd provisioning; do
        missing "static check: $what" "PyYAML not installed: python3 -m pip install pyyaml"
    done
    missing "self-tests of the checkers" "PyYAML not installed: python3 -m pip install pyyaml"
fi

summary="deploy checks: $passed passed, $failed failed"
if ((skipped > 0)); then
    summary="$summary, $skipped skipped"
fi
echo "$summary"
((failed == 0))
