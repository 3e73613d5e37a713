"""/lb-health follows the edges (issue 21): 503 while no edge is in rotation,
200 once one passes its health check. Runs the real deploy/haproxy.cfg (local
form) on loopback against a stand-in edge that answers /health/ready."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from test_deploy_files import haproxy_text

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy not installed (scripts/bootstrap)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lb_health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lb-health", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def wait_for(pred, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return False


class ReadyEdge(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.send_response(200 if self.path == "/health/ready" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_lb_health_fails_while_no_edge_is_up(tmp_path):
    edge_port, stats_port = free_port(), free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(haproxy_text() + f"    server edge1 127.0.0.1:{edge_port}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LB_", "EDGE_"))}
    env.update(LB_BIND=f"127.0.0.1:{free_port()}", LB_STATS_BIND=f"127.0.0.1:{stats_port}", LB_MAXCONN="1000")
    lb = subprocess.Popen(["haproxy", "-f", str(cfg)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    edge = None
    try:
        # Nothing listens on the edge's port: its checks fail (fall 2) and the LB says so.
        assert wait_for(lambda: lb_health(stats_port) == 503, timeout=10), "lb-health stayed up with no edge"
        edge = http.server.ThreadingHTTPServer(("127.0.0.1", edge_port), ReadyEdge)
        threading.Thread(target=edge.serve_forever, daemon=True).start()
        assert wait_for(lambda: lb_health(stats_port) == 200, timeout=10), "lb-health did not recover"
    finally:
        lb.terminate()
        lb.wait(10)
        if edge:
            edge.shutdown()
            edge.server_close()
