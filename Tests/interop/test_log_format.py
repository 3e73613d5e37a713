"""`--log-format json` (issue 21): every line an edge and a coordinator write is one
JSON object with time, level, node, label, message and fields; text stays the
default; an unknown format or level is refused at startup with a clear error."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import time

import requests

from rt import HOST, RedisServer, free_port, realtime_bin, wait_until


def run_until_healthy(args: list[str], log_path, url: str, env_extra: dict | None = None) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALTIME_")}
    env.update(env_extra or {})
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(realtime_bin()), *args], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    try:
        def healthy():
            try:
                return requests.get(url + "/health", timeout=0.5).status_code == 200
            except requests.RequestException:
                return False
        assert wait_until(healthy, timeout=15), log_path.read_text()
        if "edge" in args:  # an unknown route is logged by nothing; a client connect is
            requests.get(url + "/socket.io/?EIO=4&transport=polling", timeout=2)
        time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(10)


def json_lines(path) -> list[dict]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, "nothing logged"
    entries = []
    for line in lines:
        entry = json.loads(line)  # every line, not just most: a text line in between fails here
        assert list(entry) == ["time", "level", "node", "label", "message", "fields"], line
        stamp = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        assert abs((stamp - datetime.datetime.utcnow()).total_seconds()) < 120, line
        assert entry["level"] in {"trace", "debug", "info", "notice", "warning", "error", "critical"}
        assert isinstance(entry["fields"], dict) and entry["message"]
        entries.append(entry)
    return entries


def test_edge_and_coordinator_write_json_lines(tmp_path):
    redis = RedisServer(tmp_path).start()
    try:
        port = free_port()
        edge_log = tmp_path / "edge.log"
        run_until_healthy(["edge", "--host", HOST, "--port", str(port), "--redis", redis.url, "--node-id", "json-edge",
                           "--log-format", "json"], edge_log, f"http://{HOST}:{port}")
        entries = json_lines(edge_log)
        assert {e["node"] for e in entries} == {"json-edge"}
        assert any(e["message"] == "edge started" and e["fields"].get("backend") for e in entries), entries[:5]
        assert {e["label"] for e in entries} >= {"realtime.edge"}

        port = free_port()
        coordinator_log = tmp_path / "coordinator.log"
        run_until_healthy(["coordinator", "--host", HOST, "--port", str(port), "--redis", redis.url, "--id", "json-coord"],
                          coordinator_log, f"http://{HOST}:{port}", env_extra={"REALTIME_LOG_FORMAT": "json"})
        assert {e["node"] for e in json_lines(coordinator_log)} == {"json-coord"}
    finally:
        redis.stop()


def test_text_stays_the_default(tmp_path):
    port = free_port()
    log = tmp_path / "edge.log"
    run_until_healthy(["edge", "--host", HOST, "--port", str(port)], log, f"http://{HOST}:{port}")
    first = log.read_text().splitlines()[0]
    assert not first.startswith("{") and "realtime.edge:" in first, f"expected swift-log's text format: {first}"



def test_unknown_format_and_level_are_refused():
    for args, needle in ((["--log-format", "xml"], "must be text or json, not xml"),
                         (["--log-level", "loud"], "must be trace, debug, info")):
        for command in ("edge", "coordinator"):
            r = subprocess.run([str(realtime_bin()), command, *args], capture_output=True, text=True, timeout=20)
            assert r.returncode != 0 and needle in r.stderr, (command, args, r.returncode, r.stderr)
