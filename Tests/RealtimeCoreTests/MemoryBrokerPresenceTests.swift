import NIOCore
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("MemoryBroker presence")
struct MemoryBrokerPresenceTests {
    typealias F = BrokerFixtures

    @Test("joining adds a member and announces once; joining twice returns false and announces nothing")
    func joinTwice() async throws {
        let (broker, recorder) = try await F.started()
        #expect(try await broker.join(channel: "room", member: F.member("a"), announce: F.frame("join-a"), excluding: nil))
        #expect(try await broker.join(channel: "room", member: F.member("a", data: 1), announce: F.frame("join-a-2"), excluding: nil) == false)
        #expect(recorder.deliverySummaries == [DeliverySummary(topic: .channel("room"), frame: "join-a", excluding: nil)])
        #expect(try await broker.members(of: "room") == [F.member("a")])
    }

    @Test("the join announcement carries the excluded sender")
    func joinExcluding() async throws {
        let (broker, recorder) = try await F.started()
        _ = try await broker.join(channel: "room", member: F.member("a"), announce: F.frame("j"), excluding: "a")
        #expect(recorder.deliveries.first?.excluding == "a")
    }

    @Test("members are listed in join order")
    func membersOrder() async throws {
        let (broker, _) = try await F.started()
        for id in ["c", "a", "b", "z", "m"] {
            _ = try await broker.join(channel: "room", member: F.member(id), announce: F.frame(id), excluding: nil)
        }
        #expect(try await broker.members(of: "room").map(\.id) == ["c", "a", "b", "z", "m"])
        try await broker.leave(memberId: "a", node: "node-a", from: [ChannelAnnouncement(channel: "room", frame: F.frame("l"))])
        _ = try await broker.join(channel: "room", member: F.member("a"), announce: F.frame("a"), excluding: nil)
        #expect(try await broker.members(of: "room").map(\.id) == ["c", "b", "z", "m", "a"])
    }

    @Test("leave removes the member and announces only where it was a member")
    func leave() async throws {
        let (broker, recorder) = try await F.started()
        _ = try await broker.join(channel: "one", member: F.member("a"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "one", member: F.member("b"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "two", member: F.member("b"), announce: F.frame("j"), excluding: nil)
        recorder.reset()
        try await broker.leave(memberId: "a", node: "node-a", from: [
            ChannelAnnouncement(channel: "one", frame: F.frame("leave-one")),
            ChannelAnnouncement(channel: "two", frame: F.frame("leave-two")),
        ])
        #expect(recorder.deliverySummaries == [DeliverySummary(topic: .channel("one"), frame: "leave-one", excluding: nil)])
        #expect(try await broker.members(of: "one").map(\.id) == ["b"])
        #expect(try await broker.members(of: "two").map(\.id) == ["b"])
        // Leaving again is a no-op.
        recorder.reset()
        try await broker.leave(memberId: "a", node: "node-a", from: [ChannelAnnouncement(channel: "one", frame: F.frame("again"))])
        #expect(recorder.deliveries.isEmpty)
    }

    @Test("update rewrites the record in the member's channels and announces each")
    func update() async throws {
        let (broker, recorder) = try await F.started()
        _ = try await broker.join(channel: "one", member: F.member("a"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "two", member: F.member("a"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "two", member: F.member("b"), announce: F.frame("j"), excluding: nil)
        recorder.reset()
        let updated = F.member("a", data: 7)
        try await broker.update(member: updated, in: [
            ChannelAnnouncement(channel: "one", frame: F.frame("u1")),
            ChannelAnnouncement(channel: "two", frame: F.frame("u2")),
            ChannelAnnouncement(channel: "three", frame: F.frame("u3")),
        ], excluding: "a")
        #expect(Set(recorder.deliverySummaries.map(\.frame)) == ["u1", "u2"])
        #expect(recorder.deliveries.allSatisfy { $0.excluding == "a" })
        #expect(try await broker.members(of: "one") == [updated])
        #expect(try await broker.members(of: "two") == [updated, F.member("b")])
        #expect(try await broker.members(of: "three").isEmpty)
    }

    @Test("activeChannels lists channels with member counts and forgets empty ones")
    func activeChannels() async throws {
        let (broker, _) = try await F.started()
        #expect(try await broker.activeChannels().isEmpty)
        _ = try await broker.join(channel: "b", member: F.member("1"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "b", member: F.member("2"), announce: F.frame("j"), excluding: nil)
        _ = try await broker.join(channel: "a", member: F.member("1"), announce: F.frame("j"), excluding: nil)
        #expect(try await broker.activeChannels() == [ChannelSummary(channel: "a", members: 1), ChannelSummary(channel: "b", members: 2)])
        try await broker.leave(memberId: "1", node: "node-a", from: [
            ChannelAnnouncement(channel: "a", frame: F.frame("l")), ChannelAnnouncement(channel: "b", frame: F.frame("l")),
        ])
        #expect(try await broker.activeChannels() == [ChannelSummary(channel: "b", members: 1)])
        #expect(try await broker.members(of: "a").isEmpty)
    }

    @Test("members of an unknown channel is empty")
    func unknownChannel() async throws {
        let (broker, _) = try await F.started()
        #expect(try await broker.members(of: "nobody-here").isEmpty)
    }
}
