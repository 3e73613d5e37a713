"""A client that sends faster than its edge can handle is slowed down by TCP, not
buffered in the edge's memory (docs/ARCHITECTURE.md, SessionInbox): past 64 waiting
messages the edge stops reading that socket until its session catches up.

On the Redis backend every message is a PUBLISH round trip, handled one at a time
per connection, so a raw socket writing 2 KiB events as fast as it can outruns the
session. Without the pause the edge would hold every unread event (~16 MB here).
"""

from __future__ import annotations

import json
import time

import pytest

from rt import unique, wait_until
from test_resource_bounds import RawWS, RssSampler, rss_kib

N_EVENTS = 8000
PAD = "x" * 2048
# Growth allowed while the flood is in flight: socket buffers and allocator pools,
# half of the ~16 MB the unread events would take.
RSS_SLACK_KIB = 8 * 1024


def test_inbound_flood_is_throttled_not_buffered(make_cluster, backend):
    if backend == "memory":
        pytest.skip("the memory backend handles events as fast as they arrive")
    c = make_cluster(reuse=False)
    edge = c.edges[0]
    pid = edge.proc.pid
    ch = unique("flood-in")
    stats = lambda: c.http.get(edge.base + "/stats", timeout=5).json()  # noqa: E731

    sender = RawWS(edge.port, timeout=30).admit()
    sender.sio_connect()
    # Warm-up, so buffers and allocator pools exist before the baseline.
    for i in range(500):
        sender.send_text('42["message",' + json.dumps({"channel": ch, "eventName": "w", "message": {"i": i, "pad": PAD}}) + "]")
    base_in = stats()["messagesIn"]
    wait_until(lambda: stats()["messagesIn"] >= base_in, timeout=10)
    time.sleep(1.0)
    rss0 = rss_kib(pid)
    in0 = stats()["messagesIn"]

    sampler = RssSampler(pid)
    t0 = time.monotonic()
    for i in range(N_EVENTS):  # no ack ids: nothing comes back, the socket only writes
        sender.send_text('42["message",' + json.dumps({"channel": ch, "eventName": "f", "message": {"i": i, "pad": PAD}}) + "]")
    sent_in = time.monotonic() - t0
    handled = wait_until(lambda: stats()["messagesIn"] >= in0 + N_EVENTS, timeout=60, interval=0.1)
    took = time.monotonic() - t0
    peak = sampler.close()
    print(f"\n[inbound flood] {N_EVENTS} x 2 KiB events written in {sent_in:.2f}s, handled in {took:.2f}s; "
          f"edge RSS {rss0} KiB -> peak {peak} KiB (+{(peak - rss0) / 1024:.1f} MiB)")
    assert handled, f"the edge handled {stats()['messagesIn'] - in0} of {N_EVENTS} events within 60 s"
    assert peak - rss0 < RSS_SLACK_KIB, \
        f"edge RSS grew {(peak - rss0) / 1024:.1f} MiB during an inbound flood (allowed {RSS_SLACK_KIB // 1024} MiB)"
    # The sender's connection is still good: an ack comes back.
    sender.send_text('421["members",' + json.dumps({"channel": ch}) + "]")
    reply = sender.recv_text()
    assert reply.startswith("431"), f"after the flood the sender's call got {reply[:200]!r}"
