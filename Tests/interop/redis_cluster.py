"""A local Redis Cluster for the interop suite (issue 17): 3 masters and 3 replicas on
free loopback ports, created with `redis-cli --cluster create`.

Node timeout is 1 s so a killed master's replica is promoted within ~2-3 s, and
`cluster-require-full-coverage no` keeps the other shards serving meanwhile (the
edges refuse what the missing shard would have carried).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Optional

from rt import HOST, ProcessStartError, free_port, tail, wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"


class ClusterNode:
    def __init__(self, workdir: Path, index: int, tls: Optional[dict] = None):
        self.tls = tls  # {"ca", "cert", "key"}: the node then speaks TLS only, bus included
        self.dir = workdir / f"node{index}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        # The bus port defaults to port + 10000, which may be taken or past 65535.
        self.bus_port = free_port()
        self.log = self.dir / "redis.log"
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> None:
        logf = open(self.log, "ab")
        ports = ["--port", str(self.port)]
        if self.tls:
            ports = ["--port", "0", "--tls-port", str(self.port), "--tls-cluster", "yes", "--tls-replication", "yes",
                     "--tls-cert-file", self.tls["cert"], "--tls-key-file", self.tls["key"],
                     "--tls-ca-cert-file", self.tls["ca"], "--tls-auth-clients", "optional"]
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--bind", HOST, *ports, "--save", "", "--appendonly", "no",
             "--dir", str(self.dir), "--daemonize", "no", "--cluster-enabled", "yes",
             "--cluster-config-file", "nodes.conf", "--cluster-port", str(self.bus_port), "--cluster-node-timeout", "1000",
             "--cluster-require-full-coverage", "no", "--cluster-replica-validity-factor", "0"],
            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        logf.close()

    def cli(self, *args: str, timeout: float = 5) -> str:
        out = subprocess.run([REDIS_CLI, "-h", HOST, "-p", str(self.port), *self.tls_args(), *args],
                             capture_output=True, text=True, timeout=timeout)
        return out.stdout.strip()

    def tls_args(self) -> list[str]:
        return ["--tls", "--cacert", self.tls["ca"]] if self.tls else []

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class RedisClusterServer:
    """Quacks like rt.RedisServer where the harness needs it (`url`, `proc`, `stop`)."""

    def __init__(self, workdir: Path, masters: int = 3, replicas: int = 1, tls: Optional[dict] = None):
        self.workdir = workdir / "redis-cluster"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.tls = tls
        self.nodes = [ClusterNode(self.workdir, i, tls) for i in range(masters * (1 + replicas))]
        self.replicas = replicas
        self.log = self.workdir / "create.log"

    @property
    def url(self) -> str:
        return ("rediss-cluster://" if self.tls else "redis-cluster://") + ",".join(f"{HOST}:{n.port}" for n in self.nodes[:3])

    @property
    def proc(self):
        """The harness checks `redis.proc.poll()`: report a dead node only when all are."""
        alive = [n.proc for n in self.nodes if n.alive()]
        return alive[0] if alive else self.nodes[0].proc

    def start(self) -> "RedisClusterServer":
        # Twelve ports picked free a moment before use: another process may take one
        # meanwhile. A failed start stops every node it began (none is left running)
        # and tries again on fresh ports.
        for attempt in range(3):
            try:
                return self._start_once()
            except (ProcessStartError, subprocess.TimeoutExpired):
                self.stop()
                if attempt == 2:
                    raise
                for n in self.nodes:
                    n.port, n.bus_port = free_port(), free_port()
                    (n.dir / "nodes.conf").unlink(missing_ok=True)  # a half-made cluster's view
        raise AssertionError("unreachable")

    def _start_once(self) -> "RedisClusterServer":
        for n in self.nodes:
            n.start()
        for n in self.nodes:
            # A node that could not bind its port exits: stop asking it at once.
            if not wait_until(lambda: n.alive() and n.cli("PING", timeout=1) == "PONG", 10):
                raise ProcessStartError(f"cluster node {n.port} did not start:\n{tail(n.log)}")
        out = subprocess.run(
            [REDIS_CLI, *self.nodes[0].tls_args(), "--cluster", "create", *[f"{HOST}:{n.port}" for n in self.nodes],
             "--cluster-replicas", str(self.replicas), "--cluster-yes"],
            capture_output=True, text=True, timeout=60)
        self.log.write_text(out.stdout + out.stderr)
        if out.returncode != 0:
            raise ProcessStartError(f"redis-cli --cluster create failed:\n{out.stdout}\n{out.stderr}")
        if not wait_until(self.healthy, 20):
            raise ProcessStartError(f"cluster not healthy:\n{self.nodes[0].cli('CLUSTER', 'INFO')}")
        return self

    def healthy(self) -> bool:
        live = [n for n in self.nodes if n.alive()]
        return all("cluster_state:ok" in n.cli("CLUSTER", "INFO") for n in live) and \
            len(self.masters()) == len(self.nodes) // (1 + self.replicas)

    def masters(self) -> list[ClusterNode]:
        """Live nodes that are masters owning slots (each by its own view)."""
        return [n for n in self.nodes if n.alive() and self._my_slots(n)]

    def _my_slots(self, n: ClusterNode) -> list[str]:
        for line in n.cli("CLUSTER", "NODES").splitlines():
            parts = line.split()
            if len(parts) >= 8 and "myself" in parts[2]:
                return [r for r in parts[8:] if not r.startswith("[")] if "master" in parts[2] else []
        return []

    def node_for_slot(self, slot: int) -> ClusterNode:
        for n in self.masters():
            for r in self._my_slots(n):
                lo, _, hi = r.partition("-")
                if int(lo) <= slot <= int(hi or lo):
                    return n
        raise LookupError(f"no master for slot {slot}")

    def keyslot(self, key: str) -> int:
        return int(self.nodes[0].cli("CLUSTER", "KEYSLOT", key) if self.nodes[0].alive() else
                   next(n for n in self.nodes if n.alive()).cli("CLUSTER", "KEYSLOT", key))

    def stop(self) -> None:
        for n in self.nodes:
            n.kill()
