"""Fixtures: real redis-server and `realtime edge` processes on loopback.

One behaviour suite, two backends: every test that takes `cluster` or
`make_cluster` runs once against "memory" (one edge, no --redis) and once against
"redis" (three edges sharing one redis-server, each with its own --node-id).
REALTIME_TEST_BACKENDS picks them (default "memory,redis"); "rediscluster" is a
third: three edges on a local Redis Cluster of 3 masters and 3 replicas.

Clusters with the same configuration are reused within a test module (each test
uses fresh channel names and its clients are disconnected when it ends); a test
that changes server state asks for `make_cluster(reuse=False)`. An edge that dies
during a test fails that test (in teardown) with the edge's log, and the cluster
is replaced for the next test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rt import Cluster, closed_after_test, realtime_bin  # noqa: E402

BACKENDS = [b for b in os.environ.get("REALTIME_TEST_BACKENDS", "memory,redis").split(",") if b]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture(scope="session")
def realtime_binary() -> Path:
    p = realtime_bin()
    if not p.exists() or not os.access(p, os.X_OK):
        pytest.fail(f"realtime binary not found at {p} (build it with `swift build` or set REALTIME_BIN)",
                    pytrace=False)
    return p


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


class ClusterPool:
    def __init__(self, backend: str, root: Path):
        self.backend = backend
        self.root = root
        self.cache: dict[str, Cluster] = {}
        self.live: list[Cluster] = []
        self.n = 0

    def get(self, reuse: bool = True, **kw) -> Cluster:
        key = json.dumps(kw, sort_keys=True, default=str)
        if reuse and key in self.cache:
            c = self.cache[key]
            if not c.check_alive():
                return c
            self.discard(c)
        self.n += 1
        c = Cluster(self.backend, self.root / f"cluster{self.n}", **kw).start()
        self.live.append(c)
        if reuse:
            self.cache[key] = c
        return c

    def discard(self, c: Cluster) -> None:
        for k, v in list(self.cache.items()):
            if v is c:
                del self.cache[k]
        if c in self.live:
            self.live.remove(c)
        c.stop()

    def close(self) -> None:
        for c in list(self.live):
            self.discard(c)


@pytest.fixture(scope="module")
def cluster_pool(backend, realtime_binary, tmp_path_factory):
    pool = ClusterPool(backend, tmp_path_factory.mktemp(f"rt-{backend}"))
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def make_cluster(cluster_pool, request):
    """make_cluster(reuse=True, settings=..., edges=3, ping_interval=..., ping_timeout=...) -> Cluster"""
    used: list[tuple[Cluster, bool]] = []

    def make(reuse: bool = True, **kw) -> Cluster:
        c = cluster_pool.get(reuse=reuse, **kw)
        used.append((c, reuse))
        return c

    yield make

    rep = getattr(request.node, "rep_call", None)
    failed = rep is not None and rep.failed
    crashes = []
    seen = set()
    for c, reuse in used:
        if id(c) in seen:
            continue
        seen.add(id(c))
        c.end_test()
        dead = c.check_alive()
        if failed and not dead:
            print(f"[{c.backend}] edge logs after failure:\n{c.logs()}")
        if dead:
            crashes.extend(dead)
        if dead or not reuse:
            cluster_pool.discard(c)
    if crashes:
        pytest.fail("server process died during the test:\n" + "\n".join(crashes), pytrace=False)


@pytest.fixture
def cluster(make_cluster) -> Cluster:
    """The default deployment (no API key or session required) for this backend."""
    return make_cluster()


@pytest.fixture
def procs(realtime_binary, tmp_path, request):
    """Redis servers and realtime processes of one test (redis_procs.Procs), all killed after it."""
    from redis_procs import Procs
    with closed_after_test(Procs(tmp_path), request) as p:
        yield p


# --------------------------------------------------------------------------- TLS test CA


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture
def certs(tmp_path) -> dict:
    """A test CA, a server certificate for 127.0.0.1/localhost and a client certificate, all from openssl."""
    if not shutil.which("openssl"):
        pytest.fail("openssl CLI missing (scripts/bootstrap installs it)")
    d = tmp_path / "tls"
    d.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "2", "-subj", "/CN=realtime test CA", cwd=d)
    (d / "san.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n")
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", "san.ext", cwd=d)
    # A second CA that signed nothing here: trusting it must fail the handshake.
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem",
             "-days", "2", "-subj", "/CN=another CA", cwd=d)
    return {k: str(d / f) for k, f in (("ca", "ca.pem"), ("cert", "server.pem"), ("key", "server.key"),
                                        ("client_cert", "client.pem"), ("client_key", "client.key"),
                                        ("other_ca", "other.pem"))}

@pytest.fixture
def start_edge(realtime_binary, tmp_path, request):
    """start_edge(extra_args) -> Cluster with one in-memory edge; stopped (by pid) at teardown."""
    started: list[Cluster] = []

    def start(extra: Optional[list[str]] = None) -> Cluster:
        c = Cluster("memory", tmp_path / f"edge{len(started)}", extra_args=extra or [])
        started.append(c)
        c.start()
        return c

    yield start
    rep = getattr(request.node, "rep_call", None)
    for c in started:
        dead = c.check_alive()
        if (rep is not None and rep.failed) or dead:
            print(c.logs(60))
        c.stop()
