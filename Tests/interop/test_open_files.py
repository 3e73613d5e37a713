"""Descriptors (PROTOCOL.md §5): at startup a process raises its soft open-file
limit to the hard one and logs both; running out of descriptors is logged and
counted, never silent; /stats and /metrics show the open-descriptor gauge."""

from __future__ import annotations

import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from rt import HOST, free_port, realtime_bin, wait_until


def spawn_edge(tmp_path: Path, soft: int, hard: int, extra: list[str] | None = None):
    """An in-memory edge started with the given open-file limits (set in the child only)."""
    port = free_port()
    log = tmp_path / f"edge-{soft}-{hard}.log"

    def limits():
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    out = open(log, "wb")
    proc = subprocess.Popen([str(realtime_bin()), "edge", "--port", str(port), "--host", HOST] + (extra or []),
                            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=limits,
                            env={"SWIFT_BACKTRACE": "enable=no", "PATH": "/usr/bin:/bin"})
    out.close()
    base = f"http://{HOST}:{port}"

    def up():
        try:
            return requests.get(base + "/health", timeout=0.5).status_code == 200
        except requests.RequestException:
            return proc.poll() is not None

    wait_until(up, timeout=20)
    assert proc.poll() is None, log.read_text()
    return proc, port, base, log


def stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)


def test_soft_limit_is_raised_to_the_hard_one_and_logged(realtime_binary, tmp_path):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    target = min(hard, 4096)
    if target <= 256:
        pytest.skip("hard open-file limit too low to test a raise")
    proc, port, base, log = spawn_edge(tmp_path, 256, target)
    socks = []
    try:
        text = log.read_text()
        assert "open-file limit" in text, text
        assert f"soft={target}" in text and f"hard={target}" in text and "softAtStart=256" in text, text
        stats = requests.get(base + "/stats", timeout=3).json()
        assert stats["openFilesLimit"] == target, stats
        assert 0 < stats["openFiles"] < 256, stats
        # More sockets than the old soft limit are served.
        for _ in range(400):
            socks.append(socket.create_connection((HOST, port), timeout=3))
        time.sleep(0.5)
        stats = requests.get(base + "/stats", timeout=3).json()
        assert stats["openFiles"] > 400, stats
        assert stats["acceptFailures"] == 0, stats
        metrics = requests.get(base + "/metrics", timeout=3).text
        assert "realtime_open_files{" in metrics and "realtime_open_files_limit{" in metrics
    finally:
        for s in socks:
            s.close()
        stop(proc)


def test_running_out_of_descriptors_is_logged_and_counted(realtime_binary, tmp_path):
    proc, port, base, log = spawn_edge(tmp_path, 128, 128)
    socks = []
    try:
        for _ in range(200):
            try:
                socks.append(socket.create_connection((HOST, port), timeout=3))
            except OSError:
                break
        wait_until(lambda: "out of file descriptors" in log.read_text(), timeout=5)
        for s in socks:
            s.close()
        socks.clear()
        # NIO backs off accepting for a moment after EMFILE, then serves again.
        def stats():
            try:
                return requests.get(base + "/stats", timeout=1).json()
            except requests.RequestException:
                return None
        s = wait_until(stats, timeout=10)
        assert s["acceptFailures"] > 0, s
        text = log.read_text()
        assert "EMFILE" in text, text
        assert "realtime_accept_failures_total" in requests.get(base + "/metrics", timeout=3).text
    finally:
        for s in socks:
            s.close()
        stop(proc)
