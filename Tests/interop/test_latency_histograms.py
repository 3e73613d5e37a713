"""The latency histograms (issue 21) on a real cluster: a message published on one
Redis edge and delivered on another lands in the receiving edge's delivery-latency
histogram; server API requests, Redis round trips and the coordinator's cleanup of
a killed edge are timed too. Values are checked for plausibility, not speed."""

from __future__ import annotations

import re
import time

import requests

from ops_cluster import OpsCluster
from rt import RTClient, unique, wait_until


def histogram(text: str, name: str) -> dict:
    """{'buckets': [(le, count)], 'sum': float, 'count': float} summed over label sets."""
    buckets: dict[str, float] = {}
    total = {"sum": 0.0, "count": 0.0}
    for line in text.splitlines():
        m = re.match(rf'^{name}_bucket\{{.*le="([^"]+)"\}} (\S+)$', line)
        if m:
            buckets[m.group(1)] = buckets.get(m.group(1), 0) + float(m.group(2))
            continue
        for part in ("sum", "count"):
            m = re.match(rf"^{name}_{part}(\{{[^}}]*\}})? (\S+)$", line)
            if m:
                total[part] += float(m.group(2))
    assert f"# TYPE {name} histogram" in text, f"{name} missing"
    ordered = sorted(buckets.items(), key=lambda kv: float("inf") if kv[0] == "+Inf" else float(kv[0]))
    counts = [c for _, c in ordered]
    assert counts == sorted(counts), f"{name}: buckets must be cumulative: {ordered}"
    assert ordered[-1] == ("+Inf", total["count"]), f"{name}: +Inf bucket must equal the count"
    return {"buckets": ordered, **total}


def metrics(url: str) -> str:
    return requests.get(url + "/metrics", timeout=5).text


def test_delivery_api_and_redis_latencies_are_observed(tmp_path):
    ops = OpsCluster(tmp_path, edges=2).start()
    try:
        sender_edge, receiver_edge = ops.cluster.edges
        before = histogram(metrics(receiver_edge.base), "realtime_delivery_latency_seconds")["count"]
        receiver = RTClient(receiver_edge.base, name="receiver").connect()
        sender = RTClient(sender_edge.base, name="sender").connect()
        ch = unique("lat")
        receiver.join(ch)
        for i in range(20):
            sender.emit("message", {"channel": ch, "eventName": "tick", "message": i})
        receiver.wait_for("tick", lambda p: p.get("message") == 19)
        r = ops.cluster.api("POST", f"/api/v1/channels/{ch}/messages", edge=0, json={"eventName": "srv", "message": 1})
        assert r.status_code == 202, r.text
        receiver.wait_for("srv")

        # Observed after the write, a moment after the client may have read it.
        def delivered() -> dict:
            h = histogram(metrics(receiver_edge.base), "realtime_delivery_latency_seconds")
            return h if h["count"] - before >= 21 else None
        h = wait_until(delivered, timeout=5)
        assert h, "the receiving edge must time every message it delivered"
        assert 0 <= h["sum"] / h["count"] < 2, f"mean delivery latency implausible: {h}"

        api = histogram(metrics(sender_edge.base), "realtime_server_api_request_duration_seconds")
        assert api["count"] >= 1 and 0 <= api["sum"] < 5, api
        for url in (sender_edge.base, receiver_edge.base, ops.coordinator_url):
            redis = histogram(metrics(url), "realtime_redis_round_trip_seconds")
            assert redis["count"] > 0 and redis["sum"] / redis["count"] < 1, (url, redis)
        receiver.disconnect()
        sender.disconnect()

        # A killed edge is cleaned up by the coordinator, and the cleanup is timed.
        name = "realtime_coordinator_cleanup_duration_seconds"
        assert histogram(metrics(ops.coordinator_url), name)["count"] == 0
        member = RTClient(sender_edge.base, name="member").connect()
        member.join(unique("ghost"))
        sender_edge.proc.kill()
        sender_edge.proc.wait()
        started = time.monotonic()
        assert wait_until(lambda: histogram(metrics(ops.coordinator_url), name)["count"] == 1, timeout=30), (
            "the coordinator never timed the cleanup of the killed edge")
        cleanup = histogram(metrics(ops.coordinator_url), name)
        assert 0 <= cleanup["sum"] <= time.monotonic() - started + 1, cleanup
    finally:
        ops.stop()
