import NIOCore
import RealtimeCore
import Testing

@Suite("MemoryBroker deliveries and settings")
struct MemoryBrokerDeliveryTests {
    typealias F = BrokerFixtures

    @Test("publish hands the frame back with its topic and exclusion", arguments: [
        Topic.channel("room"), .broadcast, .user("u1"),
    ])
    func publish(topic: Topic) async throws {
        let (broker, recorder) = try await F.started()
        try await broker.publish(topic, frame: F.frame("payload"), excluding: "sender")
        try await broker.publish(topic, frame: F.frame("second"), excluding: nil)
        #expect(recorder.deliverySummaries == [
            DeliverySummary(topic: topic, frame: "payload", excluding: "sender"),
            DeliverySummary(topic: topic, frame: "second", excluding: nil),
        ])
    }

    @Test("nothing is delivered after shutdown")
    func afterShutdown() async throws {
        let (broker, recorder) = try await F.started()
        await broker.shutdown()
        try await broker.publish(.broadcast, frame: F.frame("late"), excluding: nil)
        #expect(recorder.all.isEmpty)
    }

    @Test("settings: none stored at first; seed stores once and then returns what is stored")
    func seed() async throws {
        let (broker, recorder) = try await F.started()
        #expect(try await broker.loadSettings() == nil)
        let first = RealtimeSettings(apiKeyRequired: true, apiKeys: [APIKey(key: "k")])
        #expect(try await broker.seedSettings(first) == first)
        #expect(try await broker.seedSettings(RealtimeSettings(enabled: false)) == first)
        #expect(try await broker.loadSettings() == first)
        #expect(recorder.settingsChanges.isEmpty)
    }

    @Test("store replaces the settings and emits settingsChanged")
    func store() async throws {
        let (broker, recorder) = try await F.started()
        _ = try await broker.seedSettings(.default)
        let changed = RealtimeSettings(enabled: false)
        try await broker.storeSettings(changed)
        #expect(recorder.settingsChanges == [changed])
        #expect(try await broker.loadSettings() == changed)
        #expect(try await broker.seedSettings(.default) == changed)
    }

    @Test("the node id is kept")
    func nodeId() {
        #expect(MemoryBroker(nodeId: "edge-x").nodeId == "edge-x")
    }
}
