import NIOCore
import RealtimeCore
import SocketIOProtocol
import Testing

extension BackendContractTests {
    static func message(_ text: String, channel: String?) -> ByteBuffer {
        EventFrames.message(eventName: "e", channel: channel, message: .string(text))
    }

    static func bodies(_ messages: [RetainedMessage]) -> [String] {
        messages.compactMap { $0.historyJSON?["message"]?.stringValue }
    }

    @Test(
        "a logged publish is delivered with its offset; missed() replays a session's channels and broadcasts after one",
        arguments: BackendKind.allCases)
    func recoveryLog(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let keep = Retention(recoverySeconds: 60)
            for topic in [Topic.channel("a"), .channel("b"), .broadcast] { try await edge.bus.acquire(topic) }
            try await edge.bus.publish(.channel("a"), frame: Self.message("a0", channel: "a"), excluding: nil, retaining: keep)
            try await edge.bus.publish(.channel("b"), frame: Self.message("b0", channel: "b"), excluding: nil, retaining: keep)
            try await edge.bus.publish(.broadcast, frame: Self.message("all", channel: nil), excluding: nil, retaining: keep)
            try await edge.bus.publish(.channel("a"), frame: Self.message("own", channel: "a"), excluding: "me", retaining: keep)
            try await edge.bus.publish(
                batch: [Delivery(topic: .channel("a"), frame: Self.message("a1", channel: "a"), retaining: keep)])
            try await edge.bus.publish(.channel("a"), frame: Self.message("plain", channel: "a"), excluding: nil)
            try await edge.settle()
            let delivered = edge.events.deliveries.map { OffsetFrames.offset(in: $0.frame) }
            #expect(delivered.count == 6 && delivered.prefix(5).allSatisfy { $0 != nil } && delivered[5] == nil)
            let offsets = delivered.compactMap { $0 }
            #expect(offsets == offsets.sorted() && Set(offsets).count == 5)

            let missed = try #require(try await edge.backend.recovery.missed(after: offsets[0], channels: ["a"], sid: "me"))
            #expect(Self.bodies(missed.messages) == ["all", "a1"])
            #expect(missed.messages.map(\.offset) == [offsets[2], offsets[4]])
            #expect(missed.upTo == offsets[4])
            let other = try #require(try await edge.backend.recovery.missed(after: offsets[0], channels: ["b"], sid: "x"))
            #expect(Self.bodies(other.messages) == ["b0", "all"])
            let future = LogOffset(milliseconds: offsets[4].milliseconds + 60_000, sequence: 0)
            #expect(try await edge.backend.recovery.missed(after: future, channels: ["a"], sid: "me") == nil)
        }
    }

    @Test("a channel's history keeps its last `size` messages, oldest first; limit and since apply", arguments: BackendKind.allCases)
    func history(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let policy = HistoryPolicy(size: 3, ttlSeconds: 60)
            for i in 1...5 {
                try await edge.bus.publish(
                    .channel("h"), frame: Self.message("m\(i)", channel: "h"), excluding: nil, retaining: Retention(history: policy))
            }
            let recovery = edge.backend.recovery
            let all = try await recovery.history(of: "h", policy: policy, limit: 100, since: nil)
            #expect(Self.bodies(all) == ["m3", "m4", "m5"])
            #expect(Self.bodies(try await recovery.history(of: "h", policy: policy, limit: 1, since: nil)) == ["m5"])
            #expect(Self.bodies(try await recovery.history(of: "h", policy: policy, limit: 100, since: all[1].offset)) == ["m5"])
            #expect(Self.bodies(try await recovery.history(of: "h", policy: policy, limit: 1, since: all[0].offset)) == ["m4"])
            #expect(try await recovery.history(of: "other", policy: policy, limit: 100, since: nil).isEmpty)
            // History alone puts no offset on the delivered frame (recovery is off).
            try await edge.bus.acquire(.channel("h"))
            try await edge.bus.publish(
                .channel("h"), frame: Self.message("m6", channel: "h"), excluding: nil, retaining: Retention(history: policy))
            try await edge.settle()
            let delivered = edge.events.deliveries
            #expect(!delivered.isEmpty && delivered.allSatisfy { OffsetFrames.offset(in: $0.frame) == nil })
        }
    }

    @Test("a snapshot is taken once, kept only by its owner, and discarded", arguments: BackendKind.allCases)
    func snapshots(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let store = edge.backend.recovery
            let mine = SessionSnapshot(sid: "s", owner: "old", userId: "u", channels: ["a", "b"], data: ["k": 1], node: "n")
            try await store.save(mine, pid: "p", ttlSeconds: 60)
            #expect(try await store.keep(mine, pid: "p", ttlSeconds: 60) == .kept)
            #expect(try await store.take(pid: "p") == mine)
            #expect(try await store.take(pid: "p") == nil)
            #expect(try await store.keep(mine, pid: "p", ttlSeconds: 60) == .absent, "a taken snapshot is not revived")
            var recovered = mine
            recovered.owner = "new"
            try await store.save(recovered, pid: "p", ttlSeconds: 60)
            #expect(try await store.keep(mine, pid: "p", ttlSeconds: 60) == .recovered, "another owner's snapshot is left alone")
            try await store.refresh(pids: ["p", "unknown"], ttlSeconds: 60)
            #expect(try await store.take(pid: "p") == recovered)
            try await store.save(mine, pid: "q", ttlSeconds: 60)
            try await store.discard(pid: "q")
            #expect(try await store.take(pid: "q") == nil)
        }
    }
}
