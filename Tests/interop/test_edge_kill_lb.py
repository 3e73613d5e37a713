"""An edge SIGKILLed under traffic behind the load balancer (issue 9).

`scripts/cluster` (Redis, coordinator with --dead-after 3, 3 edges, HAProxy) on
loopback, as in test_cluster_lb.py. Six stock python-socketio clients (reconnection
on, default delays) connect through the load balancer, exchange messages in one
channel and re-join it on every (re)connect. One edge is killed with SIGKILL: no
drain, no presence cleanup, no deregistration.

Asserted: exactly the killed edge's clients are disconnected and reconnect, through
the load balancer, to the surviving edges; the coordinator removes the ghost members
(the member list becomes exactly the live clients' current sids); every client gets at
most one channel:leave per member id, the clients that never disconnected exactly one
per ghost, and nobody gets one for a live member; messages flow between everyone again.
Recovery times are printed (run with -s).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from rt import short, unique, wait_until
from test_cluster_lb import N_EDGES, Chatter, LocalCluster, bring_down

N_CLIENTS = 6
DEAD_AFTER = 3

pytestmark = pytest.mark.timeout(120)  # scripts/cluster up may install haproxy/redis on a fresh machine


@pytest.fixture
def lb_cluster(realtime_binary, tmp_path):
    c = LocalCluster(realtime_binary, tmp_path / "cluster")
    c.env["REALTIME_DEAD_AFTER"] = str(DEAD_AFTER)  # reaches the coordinator (scripts/cluster passes REALTIME_*)
    started = {}
    try:
        c.up()
        started = c.pids()
        yield c
    finally:
        bring_down(c, started or c.pids())

class Member(Chatter):
    """A Chatter that also records every sid it had and every channel:leave it got."""

    def __init__(self, name: str, url: str, channel: str):
        super().__init__(name, url, channel)
        self.sids: list[str] = []
        self.leaves: list[tuple[float, str]] = []
        self.sio.on("channel:leave", self._on_leave)

    def _on_connect(self):
        sid = self.sio.get_sid("/")
        with self.lock:
            self.sids.append(sid)
        super()._on_connect()

    def _on_leave(self, payload):
        if isinstance(payload, dict) and payload.get("channel") == self.channel:
            with self.lock:
                self.leaves.append((time.monotonic(), (payload.get("message") or {}).get("id")))

    def leave_ids(self) -> list:
        with self.lock:
            return [i for _, i in self.leaves]


def test_edge_sigkill_behind_lb_clients_reconnect_and_ghosts_are_removed(lb_cluster):
    c = lb_cluster
    channel = unique("kill-lb")
    clients: list[Member] = []
    try:
        for k in range(N_CLIENTS):
            clients.append(Member(f"c{k}", c.lb, channel).start())
        per_edge = {i: c.edge_stats(i)["connections"] for i in range(1, N_EDGES + 1)}
        assert sum(per_edge.values()) == N_CLIENTS and all(n >= 1 for n in per_edge.values()), \
            f"clients per edge through the LB: {per_edge}"
        names = {x.name for x in clients}
        t_base = time.monotonic()
        for x in clients:
            assert wait_until(lambda x=x: x.senders_since(t_base) >= names - {x.name}, timeout=5), \
                f"{x.name} heard only {sorted(x.senders_since(t_base))} before the kill"

        victim = 1
        victim_node = c.node_id(victim)
        victim_conns = per_edge[victim]
        pid = c.pids()[f"edge{victim}"]
        old_sids = {x.name: x.sid for x in clients}
        os.kill(pid, signal.SIGKILL)
        t0 = time.monotonic()

        # The killed edge's clients see a transport close and reconnect through the LB.
        def all_back():
            return all(x.sio.connected and x.joined.is_set() and len(x.sids) >= 1 for x in clients) and \
                sum(1 for x in clients if x.disconnects) >= victim_conns
        assert wait_until(all_back, timeout=20, interval=0.05), \
            "clients not all reconnected and re-joined 20 s after the kill: " + ", ".join(
                f"{x.name}: connected={x.sio.connected} joined={x.joined.is_set()} disconnects={short(x.disconnects)}"
                for x in clients)
        t_reconnected = time.monotonic() - t0
        moved = [x for x in clients if x.disconnects]
        stayed = [x for x in clients if not x.disconnects]
        assert len(moved) == victim_conns, \
            f"{len(moved)} clients disconnected ({[x.name for x in moved]}), the killed edge had {victim_conns}"
        for x in moved:
            assert len(x.sids) == 2 and x.sids[1] != x.sids[0], f"{x.name}: sids {x.sids}"
        reasons = [r for x in moved for (_, r) in x.disconnects]
        assert all(r in (None, "transport error", "transport close") for r in reasons), \
            f"disconnect reasons {reasons}: a kill is a transport loss, not a server disconnect"
        survivors = {i: c.edge_stats(i)["connections"] for i in range(1, N_EDGES + 1) if i != victim}
        assert sum(survivors.values()) == N_CLIENTS, \
            f"connections on the surviving edges {survivors}, expected all {N_CLIENTS} clients"

        # The coordinator declares the node dead and removes its ghosts: members == the live sids.
        live = {x.sid for x in clients}
        ghosts = {old_sids[x.name] for x in moved}

        def members_exact():
            r = c.api("GET", f"/api/v1/channels/{channel}/members")
            return r.status_code == 200 and {m["id"] for m in r.json()} == live and len(r.json()) == len(live)
        assert wait_until(members_exact, timeout=DEAD_AFTER + 12, interval=0.1), \
            f"members {c.api('GET', f'/api/v1/channels/{channel}/members').text[:600]} never became exactly " \
            f"the live clients {sorted(live)} (ghosts {sorted(ghosts)})"
        t_members = time.monotonic() - t0
        statuses = {n["id"]: n["status"] for n in c.cluster_doc()["nodes"]}
        assert statuses.get(victim_node, "dead") == "dead", f"coordinator's view of the killed node: {statuses}"

        # Messages flow between everyone again.
        t_flow_start = time.monotonic()
        for x in clients:
            assert wait_until(lambda x=x: x.senders_since(t_flow_start) >= names - {x.name}, timeout=10), \
                f"{x.name} heard only {sorted(x.senders_since(t_flow_start))} after the recovery"
        t_flow = time.monotonic() - t0

        # Leaves: every survivor exactly one per ghost, nobody two for the same id, none for the living.
        ghost_leave_at = [at for x in stayed for (at, i) in x.leaves if i in ghosts]
        time.sleep(2.0)  # a duplicate, if any, would arrive now
        for x in clients:
            ids = x.leave_ids()
            dup = {i: ids.count(i) for i in set(ids) if ids.count(i) > 1}
            assert not dup, f"{x.name}: duplicate channel:leave {dup}"
            assert not (set(ids) & live), f"{x.name}: channel:leave for live members {set(ids) & live}"
            assert set(ids) <= ghosts, f"{x.name}: channel:leave for {set(ids) - ghosts}, not a ghost"
        for x in stayed:
            assert set(x.leave_ids()) == ghosts, f"{x.name} got channel:leave for {x.leave_ids()}, expected {ghosts}"
        gaps = {x.name: x.longest_gap(t0 - 0.5, t0 + t_flow)[0] for x in clients}
        print(f"\n[edge SIGKILL behind the LB, dead-after {DEAD_AFTER}] {victim_conns} clients on the killed edge; "
              f"all reconnected and re-joined {t_reconnected:.2f} s after the kill; ghosts removed (members "
              f"exact) {t_members:.2f} s; survivors' channel:leave at "
              f"{', '.join(f'{at - t0:.2f}' for at in sorted(ghost_leave_at))} s; everyone hears everyone "
              f"{t_flow:.2f} s; longest message gap per client: "
              f"{', '.join(f'{n} {g:.2f}s' for n, g in sorted(gaps.items()))}")
    finally:
        for x in clients:
            x.close()
