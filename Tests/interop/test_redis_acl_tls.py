"""Least-privilege ACL users (exactly the rules in docs/DEPLOY.md) and rediss:// with
a test CA made here with the openssl CLI (issue 16, SPEC §7)."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from redis_procs import HTTP, api
from recovery_client import RecoveringClient
from rt import DEFAULT_SETTINGS, RTClient, unique, wait_until

DEPLOY_MD = Path(__file__).resolve().parents[2] / "docs" / "DEPLOY.md"
EDGE_PW = "edge-" + uuid.uuid4().hex[:10]
COORD_PW = "coord-" + uuid.uuid4().hex[:10]


def documented_acl_rules(cluster: bool = False) -> dict[str, str]:
    """The rules for one Redis, or (cluster=True) those for a Redis Cluster."""
    rules = {}
    for line in DEPLOY_MD.read_text().splitlines():
        m = re.match(r"ACL SETUSER (rt-edge|rt-coordinator) (.*)$", line.strip())
        if m and ("cluster|shards" in line) == cluster:
            rules[m.group(1)] = m.group(2)
    assert set(rules) == {"rt-edge", "rt-coordinator"}, "docs/DEPLOY.md must give both ACL rules"
    return rules


def acl_conf() -> list[str]:
    """The documented rules as `user` lines of a redis.conf, passwords filled in."""
    rules = documented_acl_rules()
    edge = rules["rt-edge"].replace(">EDGE_PASSWORD", ">" + EDGE_PW)
    coord = rules["rt-coordinator"].replace(">COORDINATOR_PASSWORD", ">" + COORD_PW)
    assert EDGE_PW in edge and COORD_PW in coord
    return [f"user rt-edge {edge}", f"user rt-coordinator {coord}", "user default on nopass ~* &* +@all"]


def test_edge_and_coordinator_work_with_exactly_the_documented_acl_rules(procs):
    redis = procs.redis_server(conf=acl_conf())
    edge_url = f"redis://rt-edge:{EDGE_PW}@127.0.0.1:{redis.port}"
    coord_url = f"redis://rt-coordinator:{COORD_PW}@127.0.0.1:{redis.port}"
    rules = [{"name": "burst", "rate": 1000, "duration": 10, "errorMessage": "slow"}]
    settings = procs.settings_file(dict(DEFAULT_SETTINGS, rateLimits=rules))
    a, b = procs.edge(edge_url, settings=settings), procs.edge(edge_url, settings=settings)
    doomed = procs.edge(edge_url, settings=settings)
    coord = procs.coordinator(coord_url, extra=["--dead-after", "3"])
    # Everything an edge does: presence scripts, rate-limited publish, members, settings script.
    ch = unique("acl")
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    z = RTClient(doomed.base, name="z").connect()
    procs.clients += [x, y, z]
    for c in (x, y, z):
        c.join(ch)
    assert len(y.members(ch)) == 3
    assert x.call("message", {"channel": ch, "eventName": "m", "message": 1}) == {"ok": True}
    y.wait_for("m")
    x.call("update", {"channel": ch, "data": {"n": 1}})
    r = api(a, "PUT", "/api/v1/config", json=dict(DEFAULT_SETTINGS, rateLimits=rules))
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    cli = procs.config_cli("get", "--redis", edge_url)
    assert cli.returncode == 0 and json.loads(cli.stdout)["version"] == 1, cli.stderr
    # Everything a coordinator does: read, lease, clean up a dead edge (eviction script).
    assert wait_until(lambda: HTTP.get(coord.base + "/cluster").json()["coordinator"]["leader"], 5)
    doomed.kill()
    y.wait_for("channel:leave", timeout=10)
    assert wait_until(lambda: len(y.members(ch)) == 2, 5)
    x.leave(ch)
    # Recovery and history: the logging publish script (by SHA and as a batch EVAL), the
    # snapshot (SET, GETDEL, the keep script), the missed-messages script (XINFO, XRANGE).
    recovering = dict(DEFAULT_SETTINGS, rateLimits=rules, recovery={"enabled": True, "maxDisconnectionSeconds": 60},
                      channelRules=[{"match": "hist:*", "history": {"size": 5, "ttlSeconds": 60}}])
    assert api(a, "PUT", "/api/v1/config", json=recovering).status_code == 200
    hist = unique("hist:")
    assert wait_until(lambda: api(b, "GET", "/api/v1/config").json()["recovery"]["enabled"], 3)
    rc = RecoveringClient(a.port, name="rc")
    assert "pid" in rc.connect()
    rc.ok("join", {"channel": hist})
    rc.ok("message", {"channel": hist, "eventName": "h", "message": 1})
    rc.ok("message", {"channel": hist, "eventName": "h", "message": 2})
    assert api(b, "POST", "/api/v1/publish", json={"messages": [{"channel": hist, "eventName": "h", "message": 3}]}).status_code == 202
    rc.wait_events("h", 3)
    rc.cut()
    assert api(b, "POST", f"/api/v1/channels/{hist}/messages", json={"eventName": "h", "message": 4}).status_code == 202
    rc.clear()
    rc.connect(port=b.port)
    assert rc.recovered and [e[0]["message"] for e in rc.wait_events("h", 1)] == [4]
    assert [d["message"] for d in api(a, "GET", f"/api/v1/channels/{hist}/history").json()["data"]] == [1, 2, 3, 4]
    rc.disconnect()
    # A rejection takes the rate-limit script's other branch (ZINCRBY, EXPIRE on rt:rl:top).
    tight = [{"name": "tight", "rate": 1, "duration": 86400, "errorMessage": "slow"}]
    assert api(a, "PUT", "/api/v1/config", json=dict(DEFAULT_SETTINGS, rateLimits=tight)).status_code == 200
    assert wait_until(lambda: x.call("message", {"channel": ch, "eventName": "m", "message": 2}) != {"ok": True}, 3)
    assert "rate_limit_exceeded" in str(x.call("message", {"channel": ch, "eventName": "m", "message": 3}))
    for p in (a, b, coord):
        assert "NOPERM" not in p.text() and p.alive(), p.text()[-1500:]
    assert "NOPERM" not in redis.cli("ACL", "LOG")
    assert EDGE_PW not in a.text() + coord.text() and COORD_PW not in coord.text()


def test_an_acl_user_without_the_rules_is_refused_clearly(procs):
    redis = procs.redis_server(conf=[f"user weak on >{EDGE_PW} ~rt:* &rt:* -@all +ping"])
    edge = procs.edge(f"redis://weak:{EDGE_PW}@127.0.0.1:{redis.port}", wait=False)
    assert edge.wait_exit(15) not in (None, 0)
    assert "NOPERM" in edge.text() and EDGE_PW not in edge.text(), edge.text()[-800:]


# --------------------------------------------------------------------------- TLS


def tls_redis(procs, certs, extra: list[str]):
    return procs.redis_server(
        conf=acl_conf() + extra,
        tls={"ca": certs["ca"], "cert": certs["cert"], "key": certs["key"]})


def test_rediss_with_a_test_ca_and_an_acl_user(procs, certs):
    """The managed-Redis setup of docs/DEPLOY.md: TLS only, ACL users."""
    redis = tls_redis(procs, certs, [])
    assert "PONG" in redis.cli("PING")
    edge_url = f"rediss://rt-edge:{EDGE_PW}@127.0.0.1:{redis.port}"
    coord_url = f"rediss://rt-coordinator:{COORD_PW}@127.0.0.1:{redis.port}"
    a = procs.edge(edge_url, extra=["--redis-tls-ca", certs["ca"]])
    b = procs.edge(edge_url, env={"REALTIME_REDIS_TLS_CA": certs["ca"]})
    coord = procs.coordinator(coord_url, extra=["--redis-tls-ca", certs["ca"]])
    ch = unique("tls")
    x = RTClient(a.base, name="x").connect()
    y = RTClient(b.base, name="y").connect()
    procs.clients += [x, y]
    y.join(ch)
    assert x.call("message", {"channel": ch, "eventName": "m", "message": "over tls"}) == {"ok": True}
    y.wait_for("m", lambda p: p.get("message") == "over tls")
    assert wait_until(lambda: len(HTTP.get(coord.base + "/cluster").json()["nodes"]) == 2, 5)
    cli = procs.config_cli("get", "--redis", edge_url, "--redis-tls-ca", certs["ca"])
    assert cli.returncode == 0 and json.loads(cli.stdout)["version"] == 0, cli.stderr
    # Redis sees only TLS clients: its plain port is off (port 0).
    assert "tls" in redis.cli("CONFIG", "GET", "tls-port") and "\n0" in "\n" + redis.cli("CONFIG", "GET", "port")


def test_rediss_with_a_client_certificate(procs, certs):
    redis = tls_redis(procs, certs, ["tls-auth-clients yes"])
    url = f"rediss://rt-edge:{EDGE_PW}@127.0.0.1:{redis.port}"
    edge = procs.edge(url, wait=False, extra=["--redis-tls-ca", certs["ca"]])
    assert edge.wait_exit(10) not in (None, 0), "without a client certificate the server refuses"
    assert "TLS" in edge.text() or "cannot reach Redis" in edge.text(), edge.text()[-600:]
    procs.edge(url, extra=["--redis-tls-ca", certs["ca"], "--redis-tls-cert", certs["client_cert"],
                           "--redis-tls-key", certs["client_key"]])


@pytest.mark.parametrize("case", ["system trust store", "another CA", "missing CA file", "plain redis:// URL"])
def test_rediss_without_the_right_ca_is_a_clear_fast_error(procs, certs, case):
    redis = tls_redis(procs, certs, [])
    url = f"rediss://rt-edge:{EDGE_PW}@127.0.0.1:{redis.port}"
    extra = {"system trust store": [], "another CA": ["--redis-tls-ca", certs["other_ca"]],
             "missing CA file": ["--redis-tls-ca", "/nonexistent/ca.pem"], "plain redis:// URL": []}[case]
    if case == "plain redis:// URL":
        url = url.replace("rediss://", "redis://")
    t0 = time.monotonic()
    edge = procs.edge(url, wait=False, extra=extra)
    assert edge.wait_exit(12) not in (None, 0), f"{case}: the edge must give up"
    took = time.monotonic() - t0
    log = edge.text()
    expected = {"system trust store": "TLS handshake", "another CA": "TLS handshake",
                "missing CA file": "cannot load the CA file /nonexistent/ca.pem",
                "plain redis:// URL": "closed before any reply"}[case]
    assert expected in log, f"{case}: {log[-800:]}"
    assert EDGE_PW not in log and "timed out" not in log
    assert took < 5, f"{case}: {took:.1f} s is not fast"
    cli = procs.config_cli("get", "--redis", url, *extra)
    assert cli.returncode != 0 and EDGE_PW not in cli.stderr
