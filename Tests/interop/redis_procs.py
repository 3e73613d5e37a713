"""Processes for the Redis-deployment tests (issue 16): redis-servers with a password,
ACL users, TLS or as sentinels, and `realtime` edges/coordinators pointed at them.

Everything listens on 127.0.0.1 on free ports; `Procs.close()` kills every process
it started, by pid, also when a test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any, Optional

import requests

from rt import DEFAULT_SETTINGS, HOST, JWT_SECRET, MASTER_KEY, free_port, realtime_bin, tail, wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
HTTP = requests.Session()
HTTP.trust_env = False


class RedisProc:
    """One redis-server (or sentinel) with its own config file; restartable on its port."""

    def __init__(self, workdir: Path, name: str, conf: list[str], tls: Optional[dict] = None,
                 sentinel: bool = False, auth: Optional[tuple[Optional[str], str]] = None):
        self.workdir = workdir
        self.name = name
        self.conf = conf
        self.tls = tls  # {"cert", "key", "ca"}: the port then only speaks TLS
        self.sentinel = sentinel
        self.auth = auth  # (user, password) for redis-cli
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / f"{name}.log"

    def _write_conf(self) -> Path:
        lines = [f"bind {HOST}", "save \"\"", "appendonly no", f"dir {self.workdir}", "daemonize no"]
        if self.tls:
            lines += ["port 0", f"tls-port {self.port}", f"tls-cert-file {self.tls['cert']}",
                      f"tls-key-file {self.tls['key']}", f"tls-ca-cert-file {self.tls['ca']}",
                      "tls-auth-clients optional"]
        else:
            lines.append(f"port {self.port}")
        lines += self.conf
        path = self.workdir / f"{self.name}.conf"
        # Sentinels rewrite their config file: keep one per process and start fresh each run.
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self, fresh_conf: bool = True) -> "RedisProc":
        path = self.workdir / f"{self.name}.conf"
        if fresh_conf or not path.exists():
            path = self._write_conf()
        args = [REDIS_SERVER, str(path)] + (["--sentinel"] if self.sentinel else [])
        for _ in range(30):  # the port may linger briefly after a kill
            logf = open(self.log, "ab")
            self.proc = subprocess.Popen(args, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            logf.close()
            if wait_until(lambda: self.proc.poll() is not None or "PONG" in self.cli("PING"), 5):
                if self.proc.poll() is None:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start on {self.port}:\n{tail(self.log)}")

    def cli(self, *args: str, timeout: float = 5) -> str:
        cmd = [REDIS_CLI, "-h", HOST, "-p", str(self.port), "--no-auth-warning"]
        if self.tls:
            cmd += ["--tls", "--cacert", self.tls["ca"], "--cert", self.tls["cert"], "--key", self.tls["key"]]
        if self.auth:
            user, password = self.auth
            if user:
                cmd += ["--user", user]
            cmd += ["--pass", password]
        try:
            return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=timeout).stdout
        except subprocess.TimeoutExpired:
            return ""

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)


class RealtimeProc:
    """A `realtime edge` or `realtime coordinator` with its own log and environment."""

    def __init__(self, workdir: Path, name: str, argv: list[str], env: Optional[dict] = None):
        self.workdir = workdir
        self.name = name
        self.argv = argv
        self.env = env or {}
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        self.log = workdir / f"{name}.log"
        self.started_at = 0.0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def spawn(self) -> "RealtimeProc":
        cmd = [str(realtime_bin())] + self.argv[:1] + ["--port", str(self.port), "--host", HOST] + self.argv[1:]
        env = {"PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=no", **self.env}
        logf = open(self.log, "ab")
        logf.write(f"\n===== {' '.join(cmd)}\n".encode())
        logf.flush()
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        logf.close()
        return self

    def get(self, path: str, timeout: float = 1.0) -> Optional[requests.Response]:
        try:
            return HTTP.get(self.base + path, timeout=timeout)
        except requests.RequestException:
            return None

    def status(self, path: str) -> Optional[int]:
        r = self.get(path)
        return None if r is None else r.status_code

    def wait_ready(self, timeout: float = 20.0) -> "RealtimeProc":
        if not wait_until(lambda: not self.alive() or self.status("/health/ready") == 200, timeout) or not self.alive():
            raise RuntimeError(f"{self.name} not ready:\n{tail(self.log)}")
        return self

    def wait_exit(self, timeout: float) -> Optional[int]:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def text(self) -> str:
        """What the process wrote (not the harness's own `=====` command lines, which hold secrets)."""
        if not self.log.exists():
            return ""
        return "".join(line for line in self.log.read_text(errors="replace").splitlines(keepends=True)
                       if not line.startswith("===== "))

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(5)


class Procs:
    """Owns every process of one test."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.redis: list[RedisProc] = []
        self.realtime: list[RealtimeProc] = []
        self.clients: list[Any] = []

    def redis_server(self, name: str = "redis", conf: Optional[list[str]] = None, **kw) -> RedisProc:
        r = RedisProc(self.workdir, name, conf or [], **kw)
        self.redis.append(r)
        return r.start()

    def settings_file(self, settings: Optional[dict] = None, name: str = "settings.json") -> Path:
        path = self.workdir / name
        path.write_text(json.dumps(settings or DEFAULT_SETTINGS))
        return path

    def edge(self, redis_url: str, extra: Optional[list[str]] = None, env: Optional[dict] = None,
             settings: Optional[Path] = None, wait: bool = True) -> RealtimeProc:
        n = len([p for p in self.realtime if p.name.startswith("edge")])
        argv = ["edge", "--redis", redis_url, "--settings", str(settings or self.settings_file()),
                "--master-key", MASTER_KEY, "--jwt-secret", JWT_SECRET,
                "--node-id", f"edge{n}-{uuid.uuid4().hex[:6]}"] + (extra or [])
        p = RealtimeProc(self.workdir, f"edge{n}", argv, env).spawn()
        self.realtime.append(p)
        return p.wait_ready() if wait else p

    def coordinator(self, redis_url: str, extra: Optional[list[str]] = None, env: Optional[dict] = None,
                    wait: bool = True) -> RealtimeProc:
        n = len([p for p in self.realtime if p.name.startswith("coord")])
        argv = ["coordinator", "--redis", redis_url, "--id", f"coord{n}"] + (extra or [])
        p = RealtimeProc(self.workdir, f"coord{n}", argv, env).spawn()
        self.realtime.append(p)
        return p.wait_ready() if wait else p

    def config_cli(self, *args: str, env: Optional[dict] = None, timeout: float = 20) -> subprocess.CompletedProcess:
        return subprocess.run([str(realtime_bin()), "config", *args], capture_output=True, text=True, timeout=timeout,
                              env={"PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=no", **(env or {})})

    def logs(self) -> str:
        out = [f"--- {p.name}:\n{tail(p.log, 40)}" for p in self.realtime]
        out += [f"--- {r.name}:\n{tail(r.log, 10)}" for r in self.redis]
        return "\n".join(out)

    def close(self) -> None:
        for c in self.clients:
            try:
                c.disconnect()
            except Exception:
                pass
        for p in self.realtime:
            p.kill()
        for r in self.redis:
            r.kill()


def api(proc: RealtimeProc, method: str, path: str, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {MASTER_KEY}", **kw.pop("headers", {})}
    return HTTP.request(method, proc.base + path, headers=headers, timeout=5, **kw)
