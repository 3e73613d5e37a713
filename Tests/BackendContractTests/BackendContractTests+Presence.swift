import NIOCore
import NIOPosix
import RealtimeCore
import RealtimeRedis
import RedisClient
import Testing

extension BackendContractTests {
    @Test("joining adds a member and announces once; joining twice returns false and announces nothing", arguments: BackendKind.allCases)
    func joinTwice(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.channel("room"))
            #expect(try await edge.presence.join(channel: "room", member: F.member("a"), announce: F.frame("join-a"), excluding: nil))
            #expect(
                try await edge.presence.join(channel: "room", member: F.member("a", data: 1), announce: F.frame("join-a-2"), excluding: nil)
                    == false)
            try await edge.settle()
            #expect(edge.events.deliverySummaries == [DeliverySummary(topic: .channel("room"), frame: "join-a", excluding: nil)])
            #expect(try await edge.presence.members(of: "room") == [F.member("a")])
        }
    }

    @Test("the join announcement carries the excluded sender", arguments: BackendKind.allCases)
    func joinExcluding(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.channel("room"))
            _ = try await edge.presence.join(channel: "room", member: F.member("a"), announce: F.frame("j"), excluding: "a")
            try await edge.settle()
            #expect(edge.events.deliverySummaries == [DeliverySummary(topic: .channel("room"), frame: "j", excluding: "a")])
        }
    }

    @Test("a member's whole record (data, node, user) is kept", arguments: BackendKind.allCases)
    func recordKept(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let member = PresenceRecord(
                id: "sock-1", data: .object(["name": .string("Ada"), "tags": .array([.bool(true), .null])]), node: "node-a", userId: "u-1")
            _ = try await edge.presence.join(channel: "room", member: member, announce: F.frame("j"), excluding: nil)
            #expect(try await edge.presence.members(of: "room") == [member])
        }
    }

    @Test("members: the same set on every backend; the listing order is the backend's", arguments: BackendKind.allCases)
    func membersOrder(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            for id in ["c", "a", "b", "z", "m"] {
                _ = try await edge.presence.join(channel: "room", member: F.member(id), announce: F.frame(id), excluding: nil)
            }
            let listed = try await edge.presence.members(of: "room").map(\.id)
            #expect(Set(listed) == ["c", "a", "b", "z", "m"])
            #expect(listed == kind.listingOrder(joinOrder: ["c", "a", "b", "z", "m"]))

            try await edge.presence.leave(memberId: "a", node: "node-a", from: [F.announcement("room", "l")])
            _ = try await edge.presence.join(channel: "room", member: F.member("a"), announce: F.frame("a"), excluding: nil)
            let relisted = try await edge.presence.members(of: "room").map(\.id)
            #expect(Set(relisted) == ["c", "a", "b", "z", "m"])
            #expect(relisted == kind.listingOrder(joinOrder: ["c", "b", "z", "m", "a"]))
        }
    }

    @Test("leave removes the member and announces only where it was a member", arguments: BackendKind.allCases)
    func leave(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.channel("one"))
            try await edge.bus.acquire(.channel("two"))
            _ = try await edge.presence.join(channel: "one", member: F.member("a"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "one", member: F.member("b"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "two", member: F.member("b"), announce: F.frame("j"), excluding: nil)
            try await edge.settle()
            edge.events.reset()
            try await edge.presence.leave(
                memberId: "a", node: "node-a",
                from: [
                    F.announcement("one", "leave-one"),
                    F.announcement("two", "leave-two"),
                ])
            try await edge.settle()
            #expect(edge.events.deliverySummaries == [DeliverySummary(topic: .channel("one"), frame: "leave-one", excluding: nil)])
            #expect(try await edge.presence.members(of: "one").map(\.id) == ["b"])
            #expect(try await edge.presence.members(of: "two").map(\.id) == ["b"])
            // Leaving again is a no-op.
            edge.events.reset()
            try await edge.presence.leave(memberId: "a", node: "node-a", from: [F.announcement("one", "again")])
            try await edge.settle()
            #expect(edge.events.all.isEmpty)
        }
    }

    @Test("update rewrites the record in the member's channels and announces each", arguments: BackendKind.allCases)
    func update(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            for channel in ["one", "two", "three"] { try await edge.bus.acquire(.channel(channel)) }
            _ = try await edge.presence.join(channel: "one", member: F.member("a"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "two", member: F.member("a"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "two", member: F.member("b"), announce: F.frame("j"), excluding: nil)
            try await edge.settle()
            edge.events.reset()
            let updated = F.member("a", data: 7)
            try await edge.presence.update(
                member: updated,
                in: [
                    F.announcement("one", "u1"),
                    F.announcement("two", "u2"),
                    F.announcement("three", "u3"),
                ], excluding: "a")
            try await edge.settle()
            #expect(
                edge.events.deliverySummaries == [
                    DeliverySummary(topic: .channel("one"), frame: "u1", excluding: "a"),
                    DeliverySummary(topic: .channel("two"), frame: "u2", excluding: "a"),
                ])
            #expect(try await edge.presence.members(of: "one") == [updated])
            #expect(try await edge.presence.members(of: "two") == [updated, F.member("b")])
            #expect(try await edge.presence.members(of: "three").isEmpty)
        }
    }

    @Test("activeChannels lists channels with member counts and forgets empty ones", arguments: BackendKind.allCases)
    func activeChannels(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            #expect(try await edge.presence.activeChannels().isEmpty)
            _ = try await edge.presence.join(channel: "b", member: F.member("1"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "b", member: F.member("2"), announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "a", member: F.member("1"), announce: F.frame("j"), excluding: nil)
            #expect(
                try await edge.presence.activeChannels() == [
                    ChannelSummary(channel: "a", members: 1), ChannelSummary(channel: "b", members: 2),
                ])
            try await edge.presence.leave(memberId: "1", node: "node-a", from: [F.announcement("a", "l"), F.announcement("b", "l")])
            #expect(try await edge.presence.activeChannels() == [ChannelSummary(channel: "b", members: 1)])
            #expect(try await edge.presence.members(of: "a").isEmpty)
            try await edge.presence.leave(memberId: "2", node: "node-a", from: [F.announcement("b", "l")])
            #expect(try await edge.presence.activeChannels().isEmpty)
        }
    }

    @Test("members of an unknown channel is empty", arguments: BackendKind.allCases)
    func unknownChannel(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            #expect(try await edge.presence.members(of: "nobody-here").isEmpty)
        }
    }

    @Test("restore re-asserts presence silently, after a loss too (memory cannot lose it)", arguments: BackendKind.allCases)
    func restore(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.channel("room"))
            let a = F.member("a", data: 1)
            let b = F.member("b", userId: "u-b")
            _ = try await edge.presence.join(channel: "room", member: a, announce: F.frame("j"), excluding: nil)
            _ = try await edge.presence.join(channel: "room", member: b, announce: F.frame("j"), excluding: nil)
            try await edge.settle()
            edge.events.reset()

            // Restoring what is there changes nothing and announces nothing.
            try await edge.presence.restore([(channel: "room", member: a), (channel: "room", member: b)])
            try await edge.settle()
            #expect(edge.events.all.isEmpty)
            #expect(try await edge.presence.members(of: "room") == [a, b])

            // After a loss (a Redis restart without persistence), restore brings it back.
            try await edge.loseBackendState()
            try await edge.presence.restore([(channel: "room", member: a), (channel: "room", member: b)])
            try await edge.settle()
            #expect(edge.events.all.isEmpty)
            #expect(try await edge.presence.members(of: "room") == [a, b])
            #expect(try await edge.presence.activeChannels() == [ChannelSummary(channel: "room", members: 2)])
            // And what was restored leaves like anything joined.
            try await edge.presence.leave(memberId: "a", node: "node-a", from: [F.announcement("room", "leave-a")])
            try await edge.settle()
            #expect(edge.events.deliverySummaries.map(\.frame) == ["leave-a"])
            #expect(try await edge.presence.members(of: "room") == [b])
        }
    }

    /// Eviction exists only in a cluster: memory has no coordinator.
    @Test("Redis: an evicted edge hears .evicted, and its restore announces each membership as a join")
    func restoreAfterEviction() async throws {
        try await withEdge(.redis) { edge async throws in
            let other = try #require(try await edge.peer())
            try await edge.bus.acquire(.channel("room"))
            try await other.bus.acquire(.channel("room"))
            let a = F.member("a")
            _ = try await edge.presence.join(channel: "room", member: a, announce: F.frame("join-a"), excluding: nil)
            try await edge.backend.registration.beat(Self.heartbeat(node: "node-a"))
            try await edge.settle()
            try await other.settle()
            edge.events.reset()
            other.events.reset()

            // What a coordinator does to a node it believes dead.
            let server = try SharedRedisServer.server()
            let pool = RedisConnectionPool(
                configuration: server.configuration, size: 1, eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
                logger: Edge.quietLogger)
            let removed = try await NodeEvictor(pool: pool).evict("node-a")
            await pool.close()
            #expect(removed == 1)
            try await edge.settle()
            try await other.settle()
            #expect(edge.events.evictions == 1)
            #expect(other.events.evictions == 0)
            #expect(other.events.deliveries.count == 1, "the other edge hears a's leave")
            #expect(try await edge.presence.members(of: "room").isEmpty)
            edge.events.reset()
            other.events.reset()

            try await edge.presence.restore([(channel: "room", member: a)])
            try await other.settle()
            #expect(other.events.deliveries.map(\.topic) == [.channel("room")], "the restored member is announced as a join")
            #expect(try await other.presence.members(of: "room") == [a])
            // Only once: the eviction flag was consumed.
            other.events.reset()
            try await edge.presence.restore([(channel: "room", member: a)])
            try await other.settle()
            #expect(other.events.deliveries.isEmpty)
        }
    }
}
