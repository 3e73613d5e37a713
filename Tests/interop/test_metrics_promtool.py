"""`promtool check metrics` (Debian's prometheus package) on a live edge's and a
live coordinator's /metrics: HELP and TYPE on every family, counter naming, no
lint problems. Skipped only where promtool is missing; scripts/bootstrap
installs it in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
import requests

from ops_cluster import OpsCluster
from rt import wait_until

PROMTOOL = shutil.which("promtool")
# Missing in CI (CI=true) is a failure, not a skip: scripts/bootstrap installs it.
pytestmark = pytest.mark.skipif(PROMTOOL is None and not os.environ.get("CI"),
                                reason="promtool not installed (scripts/bootstrap installs prometheus)")


@pytest.fixture(scope="module")
def ops(realtime_binary, tmp_path_factory):
    cluster = OpsCluster(tmp_path_factory.mktemp("ops")).start()
    yield cluster
    cluster.stop()


def promtool_check(text: str) -> subprocess.CompletedProcess:
    assert PROMTOOL, "promtool not installed (Debian package prometheus)"
    return subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)


def test_edge_and_coordinator_metrics_pass_promtool(ops):
    # Wait until the coordinator has seen the edge, so its per-node families exist.
    coordinator = ops.coordinator_url + "/metrics"
    assert wait_until(lambda: "realtime_coordinator_node_state" in requests.get(coordinator, timeout=2).text, timeout=10)
    texts = {"coordinator": requests.get(coordinator, timeout=5).text}
    for i, edge in enumerate(ops.cluster.edges):
        texts[f"edge{i}"] = requests.get(edge.base + "/metrics", timeout=5).text
    for name, text in texts.items():
        result = promtool_check(text)
        assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), (
            f"{name}: promtool check metrics:\n{result.stdout}{result.stderr}")
        for family in ("realtime_build_info", "process_resident_memory_bytes", "process_cpu_seconds_total",
                       "process_open_fds", "process_start_time_seconds"):
            assert f"# HELP {family} " in text, (name, family)
        values = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
                  if line.startswith("process_")}
        # Plausible, not merely present: started within the test, megabytes resident, sockets open.
        assert time.time() - 600 < values["process_start_time_seconds"] <= time.time() + 1, values
        assert values["process_resident_memory_bytes"] > 1_000_000, values
        assert 3 <= values["process_open_fds"] < values["process_max_fds"], values


def test_promtool_catches_a_family_without_help():
    # The check above is only worth something if promtool complains here.
    result = promtool_check("# TYPE x_total counter\nx_total 1\n")
    assert "no help text" in (result.stdout + result.stderr)
