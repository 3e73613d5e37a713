"""What operators' tools check in the deploy files (issue 21): Pod Security
"restricted" on every workload, NetworkPolicies, a password-protected and capped
Redis, the alert rules (`promtool check rules`, and the PrometheusRule carrying
the same groups), `kubernetes-validate --strict` and yamllint.

promtool comes from Debian's prometheus package (scripts/bootstrap);
kubernetes-validate and yamllint from Tests/interop/requirements.txt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from test_deploy_files import K8S, DEPLOY, container, flag_value, k8s, k8s_docs

ALERTS = DEPLOY / "prometheus" / "alerts.yml"
MONITORING = K8S / "monitoring"
WORKLOADS = [("Deployment", "edge"), ("Deployment", "coordinator"), ("StatefulSet", "redis")]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A tool CI installs: missing fails in CI, skips on a bare dev machine."""
    path = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} not installed (scripts/bootstrap / Tests/interop/requirements.txt)")
        pytest.skip(f"{name} not installed")
    return path


@pytest.mark.parametrize("kind,name", WORKLOADS)
def test_workloads_meet_pod_security_restricted(kind, name):
    pod = k8s(kind, name)["spec"]["template"]["spec"]
    assert pod.get("automountServiceAccountToken") is False, f"{name}: no API token"
    psc = pod["securityContext"]
    assert psc["runAsNonRoot"] is True and psc["runAsUser"] > 0, f"{name}: {psc}"
    assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, f"{name}: {psc}"
    c = container(k8s(kind, name))
    csc = c["securityContext"]
    assert csc["allowPrivilegeEscalation"] is False and csc["readOnlyRootFilesystem"] is True, f"{name}: {csc}"
    assert csc["capabilities"]["drop"] == ["ALL"] and not csc["capabilities"].get("add"), f"{name}: {csc}"
    # Whatever is writable is an emptyDir, mounted.
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    writable = [m for m in c.get("volumeMounts", []) if not m.get("readOnly")]
    assert writable, f"{name}: a read-only root needs a writable emptyDir (/tmp or /data)"
    for m in writable:
        assert "emptyDir" in volumes[m["name"]], f"{name}: {m} is not an emptyDir"


def test_redis_has_a_password_from_the_secret_and_a_memory_cap():
    c = container(k8s("StatefulSet", "redis"))
    args = c["args"]
    assert flag_value(args, "--requirepass") == "$(REDIS_PASSWORD)"
    assert "--protected-mode" not in args
    env = {e["name"]: e for e in c["env"]}
    assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "realtime-secrets", "key": "redis-password"}
    assert env["REDISCLI_AUTH"]["valueFrom"]["secretKeyRef"]["key"] == "redis-password", "the probe must authenticate"
    assert flag_value(args, "--maxmemory-policy") == "noeviction"
    cap_mb = int(flag_value(args, "--maxmemory").removesuffix("mb"))
    limit = c["resources"]["limits"]["memory"]
    assert limit.endswith("Gi") and cap_mb < int(limit[:-2]) * 1024, "maxmemory must stay below the container limit"
    assert "redis-password" in k8s("Secret", "realtime-secrets")["stringData"]


def test_network_policies_confine_traffic():
    pols = {d["metadata"]["name"]: d["spec"] for _, d in k8s_docs() if d.get("kind") == "NetworkPolicy"}
    assert pols["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    by_target = {p["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name"): p for p in pols.values()}
    # Clients reach the edges' port only.
    assert [p["port"] for r in by_target["edge"]["ingress"] for p in r["ports"]] == [8080]
    # Redis only from the edges and the coordinator.
    sources = [f["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for r in by_target["redis"]["ingress"]
               for f in r["from"]]
    assert sorted(sources) == ["coordinator", "edge"]
    assert "coordinator" in by_target


def test_promtool_accepts_the_alert_rules():
    r = subprocess.run([tool("promtool"), "check", "rules", str(ALERTS)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_prometheus_rule_carries_the_alert_rules_file():
    rule = yaml.safe_load((MONITORING / "prometheus-rule.yaml").read_text())
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"]["groups"] == yaml.safe_load(ALERTS.read_text())["groups"], \
        "deploy/k8s/monitoring/prometheus-rule.yaml and deploy/prometheus/alerts.yml differ"
    names = {r["alert"] for g in rule["spec"]["groups"] for r in g["rules"]}
    for needed in ("RealtimeNodeDead", "RealtimeBackendDown", "RealtimeNoCoordinatorLeader",
                   "RealtimeConnectionsRefused", "RealtimeSlowConsumerDisconnects", "RealtimeSettingsDrift"):
        assert needed in names


def test_pod_monitor_scrapes_edges_and_coordinator():
    pm = yaml.safe_load((MONITORING / "pod-monitor.yaml").read_text())
    assert pm["kind"] == "PodMonitor"
    values = pm["spec"]["selector"]["matchExpressions"][0]["values"]
    assert sorted(values) == ["coordinator", "edge"]
    port = pm["spec"]["podMetricsEndpoints"][0]["port"]
    for name in ("edge", "coordinator"):
        assert port in {p["name"] for p in container(k8s("Deployment", name))["ports"]}


def test_kubernetes_validate_strict():
    files = sorted(str(p) for p in list(K8S.glob("*.yaml")) + list(MONITORING.glob("*.yaml")))
    r = subprocess.run([tool("kubernetes-validate"), "--strict", "--quiet", *files],
                       capture_output=True, text=True, timeout=120)
    # Kustomization and the Prometheus Operator's kinds have no schema: a warning, not a failure.
    assert r.returncode == 0, r.stdout + r.stderr


def test_yamllint():
    files = [str(p) for p in sorted(DEPLOY.rglob("*.yml")) + sorted(DEPLOY.rglob("*.yaml"))
             if p.name != ".yamllint.yml"]
    r = subprocess.run([tool("yamllint"), "-s", "-c", str(DEPLOY / ".yamllint.yml"), *files], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compose_edges_lb_and_monitoring_profile():
    svcs = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]
    nofile = svcs["edge"]["ulimits"]["nofile"]
    assert nofile["soft"] >= 65536 and nofile["hard"] >= nofile["soft"], "one descriptor per client"
    for name in ("prometheus", "grafana"):
        assert svcs[name]["profiles"] == ["monitoring"], f"{name} must stay optional"
    mounts = {m.split(":")[1] for m in svcs["prometheus"]["volumes"]}
    assert {"/etc/prometheus/prometheus.yml", "/etc/prometheus/alerts.yml"} <= mounts
    grafana = {m.split(":")[0]: m.split(":")[1] for m in svcs["grafana"]["volumes"]}
    assert grafana["./grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/realtime.yml").read_text())
    assert grafana["./grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    cfg = (DEPLOY / "haproxy.cfg").read_text()
    assert 'maxconn "${LB_MAXCONN}"' in cfg.split("defaults")[0], "HAProxy needs a global maxconn"
    lb = svcs["lb"]
    maxconn = int(lb["environment"]["LB_MAXCONN"])
    assert lb["ulimits"]["nofile"]["hard"] >= 2 * maxconn + 1000, "HAProxy will not start below 2 fds per connection"


def test_promtool_accepts_the_prometheus_config():
    r = subprocess.run([tool("promtool"), "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_grafana_dashboard_is_well_formed():
    # Grafana is not installable here: its structure is checked, and every query is
    # run against a real Prometheus in Tests/interop/test_prometheus_scrape.py.
    import json
    dash = json.loads((DEPLOY / "grafana" / "dashboards" / "realtime.json").read_text())
    uid = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]["uid"]
    assert dash["uid"] and dash["title"] and isinstance(dash["schemaVersion"], int)
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for p in dash["panels"]:
        assert p["type"] in {"stat", "timeseries", "table"} and p["title"]
        assert set(p["gridPos"]) == {"x", "y", "w", "h"} and p["gridPos"]["x"] + p["gridPos"]["w"] <= 24
        assert p["datasource"] == {"type": "prometheus", "uid": uid}, p["title"]
        assert p["targets"], p["title"]
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs))
        for t in p["targets"]:
            assert t["expr"].strip() and t["datasource"]["uid"] == uid


def test_hadolint_finds_no_errors_in_the_dockerfile():
    # Warnings stay (DL3008: unpinned apt packages, on purpose: the images follow
    # Debian's security updates); errors fail.
    r = subprocess.run([tool("hadolint"), "--no-color", "--failure-threshold", "error", str(DEPLOY / "Dockerfile")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compose_file_matches_the_compose_specification(tmp_path):
    # check-jsonschema carries the Compose specification's JSON schema (vendor.compose-spec),
    # so this needs no Docker; a broken copy proves the check can fail.
    checker = tool("check-jsonschema")
    compose = DEPLOY / "docker-compose.yml"
    r = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(compose)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    broken = yaml.safe_load(compose.read_text())
    broken["services"]["edge"]["ulimits"]["nofile"] = {"soft": "many"}
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(yaml.safe_dump(broken))
    r = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(bad)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, "a non-numeric nofile limit must fail the schema"
