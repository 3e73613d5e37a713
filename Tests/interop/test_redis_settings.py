"""Durable, versioned settings (issue 16, SPEC §7): versions raised by every change,
written back by the edges when Redis loses them, never replaced by an older version;
`settingsVersion` in /stats, mismatches in the coordinator's /cluster."""

from __future__ import annotations

import json
import signal
import time
import uuid

from redis_procs import HTTP, RealtimeProc, api
from rt import MASTER_KEY, DEFAULT_SETTINGS, RTClient, ConnectRejected, wait_until

SECRET_KEY = "ak-" + uuid.uuid4().hex


def config(edge) -> dict:
    r = api(edge, "GET", "/api/v1/config")
    assert r.status_code == 200, r.text
    return r.json()


def config_now(edge) -> dict | None:
    """The settings an edge enforces, or None while it answers 503 (it cannot reach
    Redis yet, as right after a restart): for polling."""
    r = api(edge, "GET", "/api/v1/config")
    return r.json() if r.status_code == 200 else None


def put(edge, **fields) -> dict:
    r = api(edge, "PUT", "/api/v1/config", json=dict(DEFAULT_SETTINGS, **fields))
    assert r.status_code == 200, r.text
    return r.json()


def stats_version(edge):
    return HTTP.get(edge.base + "/stats", timeout=2).json().get("settingsVersion")


def keyless_outcome(edge) -> str:
    c = RTClient(edge.base, name="probe")
    try:
        c.connect(timeout=2)
    except ConnectRejected:
        data = c.connect_error_data
        return (data.get("data", {}).get("code") if isinstance(data, dict) else None) or "refused"
    c.disconnect()
    return "ok"


def test_every_change_raises_the_version_and_everyone_reports_it(procs):
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    a, b = procs.edge(url), procs.edge(url)
    coord = procs.coordinator(url)
    assert config(a)["version"] == 0 and config(b)["version"] == 0, "a seed is version 0"
    assert put(a, enabled=False)["version"] == 1
    assert put(b, enabled=True)["version"] == 2
    assert wait_until(lambda: stats_version(a) == 2 and stats_version(b) == 2, 3)
    assert config(a)["version"] == 2 and config(a)["enabled"] is True
    cli = procs.config_cli("get", "--redis", url)
    assert cli.returncode == 0 and json.loads(cli.stdout)["version"] == 2, cli.stderr
    f = procs.workdir / "cli.json"
    f.write_text(json.dumps(dict(DEFAULT_SETTINGS, apiKeyRequired=True, apiKeys=[{"key": SECRET_KEY, "name": "web"}])))
    cli = procs.config_cli("set", str(f), "--redis", url)
    assert cli.returncode == 0 and json.loads(cli.stdout)["version"] == 3, cli.stderr
    assert "apiKeyRequired: false -> true" in cli.stderr and SECRET_KEY not in cli.stderr
    assert wait_until(lambda: stats_version(a) == 3 and stats_version(b) == 3, 3)

    def cluster_settings():
        return HTTP.get(coord.base + "/cluster", timeout=2).json()
    assert wait_until(lambda: cluster_settings()["settings"] == {"stored": True, "version": 3, "mismatched": []}, 5)
    assert all(n["settingsVersion"] == 3 for n in cluster_settings()["nodes"])
    # Each edge logged the fields that changed, the API key masked.
    for e in (a, b):
        assert wait_until(lambda: "apiKeyRequired=false -> true" in e.text(), 2), e.text()[-800:]
        assert "web=***" in e.text() and SECRET_KEY not in e.text()


def test_coordinator_reports_an_edge_on_another_version(procs):
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    a, b = procs.edge(url), procs.edge(url)
    coord = procs.coordinator(url)
    b_id = b.argv[b.argv.index("--node-id") + 1]
    b.proc.send_signal(signal.SIGSTOP)  # b misses the change (and stays in /cluster as suspect)
    try:
        put(a, enabled=False)
        assert wait_until(lambda: HTTP.get(coord.base + "/cluster").json()["settings"]["mismatched"] == [b_id], 5)
        assert wait_until(lambda: "edges enforce another settings version" in coord.text() and b_id in coord.text(), 5)
    finally:
        b.proc.send_signal(signal.SIGCONT)
    assert wait_until(lambda: HTTP.get(coord.base + "/cluster").json()["settings"]["mismatched"] == [], 5)
    assert stats_version(b) == 1 and config(b)["enabled"] is False
    assert wait_until(lambda: "every edge enforces the stored settings" in coord.text(), 3)


def test_settings_split_after_an_empty_redis_restart_converges(procs):
    """The issue's scenario: apiKeyRequired set through the API, Redis restarted empty,
    one more edge started with the seed file that allows key-less clients."""
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    seed = procs.settings_file(DEFAULT_SETTINGS)
    old = [procs.edge(url, settings=seed), procs.edge(url, settings=seed)]
    stored = put(old[0], apiKeyRequired=True, apiKeys=[{"key": SECRET_KEY, "name": "web"}])
    assert stored["version"] == 1
    assert wait_until(lambda: all(keyless_outcome(e) == "missing_api_key" for e in old), 3)

    redis.kill()
    redis.start()  # empty: no persistence
    restarted = time.monotonic()
    new = procs.edge(url, settings=seed)
    edges = old + [new]

    def converged():
        # An edge answers 503 until it reaches the restarted Redis: not converged yet.
        return all((c := config_now(e)) and c["version"] == 1 and c["apiKeyRequired"] is True for e in edges) and \
            all(keyless_outcome(e) == "missing_api_key" for e in edges for _ in range(2))
    assert wait_until(converged, 10), [config_now(e) for e in edges]
    took = time.monotonic() - restarted
    print(f"\n[settings split] every edge enforces version 1 again {took:.2f} s after the empty Redis restart")
    assert json.loads(redis.cli("GET", "rt:settings"))["version"] == 1
    assert any("stored settings were missing or older" in e.text() for e in old), "the write-back is logged"
    # A later change still raises the version above the restored one.
    assert put(new, apiKeyRequired=False)["version"] == 2
    assert wait_until(lambda: all(keyless_outcome(e) == "ok" for e in edges), 3)


def test_an_older_version_never_replaces_a_newer_one(procs):
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    a = procs.edge(url)
    put(a, enabled=False)
    put(a, enabled=True)  # version 2
    # Someone stores version 1 behind the edges' back: the edge restores version 2.
    redis.cli("SET", "rt:settings", json.dumps(dict(DEFAULT_SETTINGS, enabled=False, version=1)))
    assert wait_until(lambda: json.loads(redis.cli("GET", "rt:settings"))["version"] == 2, 3)
    assert config(a)["enabled"] is True
    # A newer version stored without an announcement is picked up within a heartbeat.
    redis.cli("SET", "rt:settings", json.dumps(dict(DEFAULT_SETTINGS, enabled=False, version=9)))
    assert wait_until(lambda: config(a)["version"] == 9 and config(a)["enabled"] is False, 3)


def test_config_get_says_when_nothing_is_stored(procs):
    redis = procs.redis_server()
    cli = procs.config_cli("get", "--redis", f"redis://127.0.0.1:{redis.port}")
    assert cli.returncode == 3 and cli.stdout == "" and "no settings are stored" in cli.stderr, cli


def test_memory_backend_versions_increase(procs):
    edge = RealtimeProc(procs.workdir, "edge-memory",
                        ["edge", "--master-key", MASTER_KEY, "--settings", str(procs.settings_file())]).spawn()
    procs.realtime.append(edge)
    edge.wait_ready()
    assert config(edge)["version"] == 0
    assert put(edge, enabled=False)["version"] == 1
    assert put(edge, enabled=True)["version"] == 2
    assert config(edge)["version"] == 2 and stats_version(edge) == 2


def test_config_set_right_after_a_flush_gets_a_version_above_the_edges(procs):
    """`realtime config set` while nothing is stored waits for the edges' write-back, so
    its change is not an older version that the edges would then overwrite."""
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    a = procs.edge(url)
    put(a, enabled=False)
    put(a, enabled=True)  # version 2
    assert "OK" in redis.cli("FLUSHALL")
    f = procs.workdir / "change.json"
    f.write_text(json.dumps(dict(DEFAULT_SETTINGS, sessionRequired=True)))
    cli = procs.config_cli("set", str(f), "--redis", url)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout)["version"] == 3
    assert wait_until(lambda: config(a)["version"] == 3 and config(a)["sessionRequired"] is True, 3)
    time.sleep(1.5)  # a heartbeat later the change still stands
    assert json.loads(redis.cli("GET", "rt:settings"))["sessionRequired"] is True
