import NIOCore
import RealtimeCore
import Synchronization

/// Collects what a broker hands its edge, for assertions.
final class BrokerEventRecorder: Sendable {
    private let events = Mutex<[BrokerEvent]>([])

    var handler: @Sendable (BrokerEvent) -> Void {
        { [self] event in events.withLock { $0.append(event) } }
    }

    var all: [BrokerEvent] { events.withLock { $0 } }

    var deliveries: [Delivery] {
        all.compactMap { if case .delivery(let d) = $0 { d } else { nil } }
    }

    /// Deliveries as (topic, frame text, excluding), easy to compare.
    var deliverySummaries: [DeliverySummary] {
        deliveries.map { DeliverySummary(topic: $0.topic, frame: String(buffer: $0.frame), excluding: $0.excluding) }
    }

    var settingsChanges: [RealtimeSettings] {
        all.compactMap { if case .settingsChanged(let s) = $0 { s } else { nil } }
    }

    func reset() { events.withLock { $0.removeAll() } }
}

struct DeliverySummary: Equatable, CustomStringConvertible {
    var topic: Topic
    var frame: String
    var excluding: String?
    var description: String { "\(topic) \(frame) excluding \(excluding ?? "nobody")" }
}

enum BrokerFixtures {
    static func member(_ id: String, data: Int? = nil) -> PresenceRecord {
        PresenceRecord(id: id, data: data.map { ["n": .number(Double($0))] } ?? .null, node: "node-a", userId: nil)
    }

    static func frame(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func started() async throws -> (MemoryBroker, BrokerEventRecorder) {
        let broker = MemoryBroker(nodeId: "node-a")
        let recorder = BrokerEventRecorder()
        try await broker.start(onEvent: recorder.handler)
        return (broker, recorder)
    }
}
