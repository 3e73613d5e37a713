"""Liveness apart from readiness, Redis passwords, and what a refused or unreachable
Redis looks like (issue 16; SPEC §5 health, §7 credentials). Real redis-servers on
127.0.0.1, started and killed by each test."""

from __future__ import annotations

import time
import uuid

from redis_procs import HTTP, api
from rt import RTClient, unique, wait_until

PASSWORD = "s3cret-" + uuid.uuid4().hex[:8]


def message_flows(procs, a, b) -> bool:
    ch = unique("auth")
    sender = RTClient(a.base, name="sender").connect()
    receiver = RTClient(b.base, name="receiver").connect()
    procs.clients += [sender, receiver]
    receiver.join(ch)
    ack = sender.call("message", {"channel": ch, "eventName": "m", "message": "hi"})
    if ack != {"ok": True}:
        return False
    receiver.wait_for("m", lambda p: p.get("message") == "hi")
    return True


def test_liveness_stays_200_while_readiness_follows_redis(procs):
    redis = procs.redis_server()
    url = f"redis://127.0.0.1:{redis.port}"
    edge = procs.edge(url)
    coord = procs.coordinator(url)
    for p in (edge, coord):
        assert p.status("/health/live") == 200 and p.status("/health/ready") == 200 and p.status("/health") == 200
    redis.kill()
    assert wait_until(lambda: edge.status("/health/ready") == 503 and coord.status("/health/ready") == 503, 5), \
        "readiness must turn 503 while Redis is down"
    assert edge.status("/health") == 503 and coord.status("/health") == 503, "/health is readiness's alias"
    # Three seconds of outage: liveness never wavers, the processes keep running.
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        assert edge.status("/health/live") == 200, "edge liveness failed during a Redis outage"
        assert coord.status("/health/live") == 200, "coordinator liveness failed during a Redis outage"
        time.sleep(0.2)
    redis.start()
    assert wait_until(lambda: edge.status("/health/ready") == 200 and coord.status("/health/ready") == 200, 10)


def test_password_in_the_url_works_and_is_never_shown(procs):
    redis = procs.redis_server(conf=[f"requirepass {PASSWORD}"], auth=(None, PASSWORD))
    url = f"redis://:{PASSWORD}@127.0.0.1:{redis.port}"
    a, b = procs.edge(url), procs.edge(url)
    coord = procs.coordinator(url)
    assert message_flows(procs, a, b)
    assert wait_until(lambda: len(HTTP.get(coord.base + "/cluster", timeout=2).json().get("nodes", [])) == 2, 5)
    shown = [HTTP.get(a.base + "/stats").text, HTTP.get(coord.base + "/cluster").text,
             HTTP.get(a.base + "/metrics").text, HTTP.get(coord.base + "/metrics").text,
             api(a, "GET", "/api/v1/config").text]
    for text in shown + [p.text() for p in procs.realtime]:
        assert PASSWORD not in text
    assert "redis://:***@127.0.0.1" in coord.text(), "the coordinator logs the URL with the password masked"


def test_wrong_password_is_a_clear_error_within_seconds(procs):
    redis = procs.redis_server(conf=[f"requirepass {PASSWORD}"], auth=(None, PASSWORD))
    wrong = "wrong-" + uuid.uuid4().hex[:6]
    for kind, url in (("bad password", f"redis://:{wrong}@127.0.0.1:{redis.port}"),
                      ("no password", f"redis://127.0.0.1:{redis.port}"),
                      ("unknown user", f"redis://nobody:{wrong}@127.0.0.1:{redis.port}")):
        edge = procs.edge(url, wait=False)
        coord = procs.coordinator(url, wait=False)
        for p in (edge, coord):
            code = p.wait_exit(5)
            assert code not in (None, 0), f"{p.name} ({kind}) must exit with an error within 5 s"
            log = p.text()
            assert "refused the password" in log and ("WRONGPASS" in log or "NOAUTH" in log), f"{kind}: {log[-800:]}"
            assert "timed out" not in log and wrong not in log
        cli = procs.config_cli("get", "--redis", url)
        assert cli.returncode != 0 and "refused the password" in cli.stderr and wrong not in cli.stderr + cli.stdout


def test_unreachable_redis_is_a_clear_error(procs):
    from rt import free_port
    port = free_port()
    edge = procs.edge(f"redis://127.0.0.1:{port}", wait=False)
    code = edge.wait_exit(15)
    assert code not in (None, 0), "an edge without Redis must give up"
    assert f"cannot reach Redis at 127.0.0.1:{port}" in edge.text()
    # The coordinator starts anyway (not ready) and says why.
    coord = procs.coordinator(f"redis://127.0.0.1:{port}", wait=False)
    assert wait_until(lambda: coord.status("/health/live") == 200, 10)
    assert coord.status("/health/ready") == 503


def test_an_invalid_url_is_refused_without_echoing_the_password(procs):
    secret = "pw-" + uuid.uuid4().hex[:8]
    for url in (f"redis://user:{secret}@127.0.0.1:1?db=2", f"http://user:{secret}@127.0.0.1:1"):
        edge = procs.edge(url, wait=False)
        assert edge.wait_exit(5) not in (None, 0)
        assert "invalid Redis URL" in edge.text() and secret not in edge.text(), edge.text()[-500:]
