"""Channel history (SPEC §8): channels whose rule has `history: {size, ttlSeconds}` keep
their last messages; the `history` client event (with an ack, join permission applied)
and GET /api/v1/channels/{channel}/history read them, oldest first."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from rt import DEFAULT_SETTINGS, assert_api_error, assert_error_ack, make_jwt, unique


@pytest.fixture(autouse=True)
def _not_on_a_redis_cluster(backend):
    # A Redis Cluster keeps no messages (PROTOCOL.md §7): recovery and history are
    # refused there, which test_redis_cluster.py checks.
    if backend == "rediscluster":
        pytest.skip("recovery and history are not available on a Redis Cluster")


SETTINGS = {
    **DEFAULT_SETTINGS,
    "channelRules": [
        {"match": "hist:*", "history": {"size": 3, "ttlSeconds": 60}},
        {"match": "hsec:*", "join": "session", "history": {"size": 10, "ttlSeconds": 60}},
        {"match": "short:*", "history": {"size": 10, "ttlSeconds": 1}},
    ],
}


def publish(cluster, channel, message, edge=0):
    r = cluster.api("POST", f"/api/v1/channels/{channel}/messages", edge=edge, json={"eventName": "note", "message": message})
    assert r.status_code == 202, r.text


def test_history_event_keeps_the_last_messages_oldest_first(make_cluster):
    cluster = make_cluster(settings=SETTINGS)
    ch = unique("hist:")
    sender = cluster.client(edge=0)
    before = time.time()
    for i in range(4):
        publish(cluster, ch, {"i": i}, edge=i)
    sender.ok("message", {"channel": ch, "eventName": "chat", "message": "from a client"})
    reader = cluster.client(edge=1)
    data = reader.call("history", {"channel": ch})["data"]
    assert [(d["eventName"], d["message"]) for d in data] == [("note", {"i": 2}), ("note", {"i": 3}), ("chat", "from a client")]
    for d in data:
        assert set(d) == {"offset", "eventName", "message", "publishedAt"} and isinstance(d["offset"], str)
        published = datetime.fromisoformat(d["publishedAt"].replace("Z", "+00:00")).timestamp()
        assert before - 2 <= published <= time.time() + 2, d
    assert len({d["offset"] for d in data}) == 3
    assert [d["message"] for d in reader.call("history", {"channel": ch, "limit": 1})["data"]] == ["from a client"]
    since = reader.call("history", {"channel": ch, "since": data[0]["offset"]})["data"]
    assert [d["offset"] for d in since] == [d["offset"] for d in data[1:]]


def test_history_api_matches_the_event(make_cluster):
    cluster = make_cluster(settings=SETTINGS)
    ch = unique("hist:")
    for i in range(2):
        publish(cluster, ch, i)
    r = cluster.api("GET", f"/api/v1/channels/{ch}/history", edge=1)
    assert r.status_code == 200, r.text
    body = r.json()["data"]
    assert [d["message"] for d in body] == [0, 1]
    r = cluster.api("GET", f"/api/v1/channels/{ch}/history", params={"limit": 1, "since": body[0]["offset"]})
    assert [d["message"] for d in r.json()["data"]] == [1]
    assert_api_error(cluster.api("GET", f"/api/v1/channels/{ch}/history", params={"limit": 0}), 400, "limit 0")
    assert_api_error(cluster.api("GET", f"/api/v1/channels/{unique('open')}/history"), 403, "no history rule")
    assert_api_error(cluster.api("GET", f"/api/v1/channels/{ch}/history", key=None), 401, "no master key")


def test_history_needs_join_permission_and_a_history_rule(make_cluster):
    cluster = make_cluster(settings=SETTINGS)
    ch = unique("hsec:")
    publish(cluster, ch, "secret")
    anonymous = cluster.client()
    assert_error_ack(anonymous.call("history", {"channel": ch}), "not_allowed", "history without a session")
    member = cluster.client(auth={"session": make_jwt("ada")})
    assert [d["message"] for d in member.call("history", {"channel": ch})["data"]] == ["secret"]
    assert_error_ack(anonymous.call("history", {"channel": unique("open")}), "not_allowed", "no history rule")
    assert_error_ack(anonymous.call("history", {"channel": ch, "limit": "many"}), "invalid_payload", "bad limit")


def test_history_expires(make_cluster):
    cluster = make_cluster(settings=SETTINGS)
    ch = unique("short:")
    publish(cluster, ch, "soon gone")
    reader = cluster.client()
    assert len(reader.call("history", {"channel": ch})["data"]) == 1
    time.sleep(1.3)
    assert reader.call("history", {"channel": ch})["data"] == []
