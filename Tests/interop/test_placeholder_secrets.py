"""Edges and coordinators refuse the `change-me-*` placeholders of the example
Kubernetes Secret (issue 21), naming the setting but never printing its value."""

from __future__ import annotations

import os
import subprocess

from rt import realtime_bin


def run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
    return subprocess.run([str(realtime_bin()), *args], capture_output=True, text=True, timeout=20,
                          env={**clean, **(env or {})}, stdin=subprocess.DEVNULL)


def test_edge_refuses_placeholder_master_key_and_jwt_secret(realtime_binary):
    r = run(["edge", "--port", "1"], {"REALTIME_MASTER_KEY": "change-me-master-key",
                                      "REALTIME_JWT_SECRET": "change-me-jwt-secret-0123456789abcdef"})
    assert r.returncode != 0
    assert "--master-key (REALTIME_MASTER_KEY), --jwt-secret (REALTIME_JWT_SECRET)" in r.stderr, r.stderr
    assert "placeholder" in r.stderr and "change-me-master-key" not in r.stderr


def test_coordinator_refuses_a_placeholder_redis_password(realtime_binary):
    r = run(["coordinator", "--port", "1", "--redis", "redis://:change-me-redis-password@127.0.0.1:1"])
    assert r.returncode != 0
    assert "--redis (REALTIME_REDIS)" in r.stderr and "placeholder" in r.stderr, r.stderr
    assert "change-me-redis-password" not in r.stderr


def test_a_real_secret_passes_the_check(realtime_binary):
    # A real key gets past the placeholder check to the next validation (a bad
    # --max-connections), so the edge never starts serving in this test.
    r = run(["edge", "--port", "1", "--master-key", "a-real-key", "--max-connections", "0"])
    assert r.returncode != 0 and "--max-connections must be a positive number" in r.stderr, r.stderr
    assert "placeholder" not in r.stderr
