import NIOCore
import RealtimeCore
import Synchronization
import Testing

@Suite("Memory recovery store")
struct MemoryRecoveryStoreTests {
    final class Clock: Sendable {
        let now = Mutex<UInt64>(1_000_000)
        func advance(seconds: UInt64) { now.withLock { $0 += seconds * 1000 } }
        var read: @Sendable () -> UInt64 { { self.now.withLock { $0 } } }
    }

    static func frame(_ text: String, channel: String? = nil) -> ByteBuffer {
        EventFrames.message(eventName: "e", channel: channel, message: .string(text))
    }

    static func bodies(_ messages: [RetainedMessage]) -> [String] {
        messages.compactMap { $0.historyJSON?["message"]?.stringValue }
    }

    @Test("missed: the session's channels and broadcasts after the offset, not others, not its own echo-off ones")
    func missed() async throws {
        let clock = Clock()
        let bus = MemoryMessageBus(recovery: MemoryRecoveryStore(clock: clock.read))
        let store = bus.recovery
        let keep = Retention(recoverySeconds: 60)
        try await bus.publish(.channel("a"), frame: Self.frame("seen", channel: "a"), excluding: nil, retaining: keep)
        let offset = try #require(try await store.missed(after: LogOffset("0-0")!, channels: ["a"], sid: "s")?.upTo)
        try await bus.publish(.channel("a"), frame: Self.frame("a1", channel: "a"), excluding: nil, retaining: keep)
        try await bus.publish(.channel("b"), frame: Self.frame("b1", channel: "b"), excluding: nil, retaining: keep)
        try await bus.publish(.broadcast, frame: Self.frame("all"), excluding: nil, retaining: keep)
        try await bus.publish(.channel("a"), frame: Self.frame("own", channel: "a"), excluding: "s", retaining: keep)
        let missed = try #require(try await store.missed(after: offset, channels: ["a"], sid: "s"))
        #expect(Self.bodies(missed.messages) == ["a1", "all"])
        #expect(missed.upTo > offset)
        #expect(try await store.missed(after: LogOffset(milliseconds: 9_999_999_999, sequence: 0), channels: [], sid: "s") == nil)
    }

    @Test("an offset whose followers aged out of the log is not recoverable")
    func aged() async throws {
        let clock = Clock()
        let bus = MemoryMessageBus(recovery: MemoryRecoveryStore(clock: clock.read))
        let keep = Retention(recoverySeconds: 10)
        try await bus.publish(.broadcast, frame: Self.frame("1"), excluding: nil, retaining: keep)
        let first = try #require(try await bus.recovery.missed(after: LogOffset("0-0")!, channels: [], sid: "s")?.messages.first?.offset)
        try await bus.publish(.broadcast, frame: Self.frame("2"), excluding: nil, retaining: keep)
        #expect(try await bus.recovery.missed(after: first, channels: [], sid: "s") != nil)
        clock.advance(seconds: 11)
        try await bus.publish(.broadcast, frame: Self.frame("3"), excluding: nil, retaining: keep)
        #expect(try await bus.recovery.missed(after: first, channels: [], sid: "s") == nil)
    }

    @Test("history keeps the last `size` messages for `ttlSeconds`; limit and since apply")
    func history() async throws {
        let clock = Clock()
        let bus = MemoryMessageBus(recovery: MemoryRecoveryStore(clock: clock.read))
        let policy = HistoryPolicy(size: 3, ttlSeconds: 10)
        for i in 1...5 {
            try await bus.publish(
                .channel("h"), frame: Self.frame("m\(i)", channel: "h"), excluding: nil, retaining: Retention(history: policy))
        }
        let all = try await bus.recovery.history(of: "h", policy: policy, limit: 100, since: nil)
        #expect(Self.bodies(all) == ["m3", "m4", "m5"])
        #expect(Self.bodies(try await bus.recovery.history(of: "h", policy: policy, limit: 2, since: nil)) == ["m4", "m5"])
        #expect(Self.bodies(try await bus.recovery.history(of: "h", policy: policy, limit: 100, since: all[0].offset)) == ["m4", "m5"])
        #expect(Self.bodies(try await bus.recovery.history(of: "h", policy: policy, limit: 1, since: all[0].offset)) == ["m4"])
        clock.advance(seconds: 11)
        #expect(try await bus.recovery.history(of: "h", policy: policy, limit: 100, since: nil).isEmpty)
    }

    @Test("a snapshot is taken once, expires, and is gone when discarded")
    func snapshots() async throws {
        let clock = Clock()
        let store = MemoryRecoveryStore(clock: clock.read)
        let snapshot = SessionSnapshot(sid: "s", owner: "o", userId: "u", channels: ["a"], data: ["k": 1], node: "n")
        try await store.save(snapshot, pid: "p", ttlSeconds: 5)
        #expect(try await store.take(pid: "p") == snapshot)
        #expect(try await store.take(pid: "p") == nil)
        try await store.save(snapshot, pid: "p", ttlSeconds: 5)
        clock.advance(seconds: 6)
        #expect(try await store.take(pid: "p") == nil)
        try await store.save(snapshot, pid: "p", ttlSeconds: 5)
        try await store.discard(pid: "p")
        #expect(try await store.take(pid: "p") == nil)
        #expect(SessionSnapshot(json: snapshot.json) == snapshot)
    }
}
