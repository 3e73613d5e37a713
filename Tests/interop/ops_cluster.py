"""A small real cluster for the operator-tool tests: redis-server, edges and one
coordinator on loopback, with the edges' and the coordinator's /metrics URLs.

Shared by the promtool check and the Prometheus-scrape test, which need every
process kind the deploy files monitor, and nothing of the interop harness's
per-backend parametrisation.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

import requests

from rt import HOST, Cluster, free_port, realtime_bin, tail, wait_until


class OpsCluster:
    def __init__(self, workdir: Path, edges: int = 1):
        self.workdir = workdir
        self.cluster = Cluster("redis", workdir, edges=edges)
        self.coordinator: Optional[subprocess.Popen] = None
        self.coordinator_port = 0
        self.coordinator_log = workdir / "coordinator.log"

    def start(self) -> "OpsCluster":
        self.cluster.start()
        try:
            self._start_coordinator()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_coordinator(self) -> None:
        for _ in range(3):
            self.coordinator_port = free_port()
            cmd = [str(realtime_bin()), "coordinator", "--host", HOST, "--port", str(self.coordinator_port),
                   "--redis", self.cluster.redis.url, "--id", "ops-coordinator"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
            with open(self.coordinator_log, "ab") as log:
                self.coordinator = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                                    stdin=subprocess.DEVNULL, env=env)
            if wait_until(self._coordinator_ready, timeout=15, interval=0.05):
                return
            self.coordinator.kill()
            self.coordinator.wait()
            if "in use" not in tail(self.coordinator_log, 20).lower():
                break
        raise RuntimeError(f"coordinator did not start:\n{tail(self.coordinator_log)}")

    def _coordinator_ready(self) -> bool:
        if self.coordinator.poll() is not None:
            return False
        try:
            return requests.get(self.coordinator_url + "/health", timeout=0.5).status_code == 200
        except requests.RequestException:
            return False

    @property
    def coordinator_url(self) -> str:
        return f"http://{HOST}:{self.coordinator_port}"

    def edge_targets(self) -> list[str]:
        return [f"{HOST}:{e.port}" for e in self.cluster.edges]

    def coordinator_target(self) -> str:
        return f"{HOST}:{self.coordinator_port}"

    def stop(self) -> None:
        if self.coordinator is not None and self.coordinator.poll() is None:
            self.coordinator.terminate()
            try:
                self.coordinator.wait(10)
            except subprocess.TimeoutExpired:
                self.coordinator.kill()
                self.coordinator.wait()
        self.cluster.stop()
