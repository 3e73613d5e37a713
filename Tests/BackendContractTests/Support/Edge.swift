import Logging
import NIOCore
import NIOPosix
import RealtimeCore
import RealtimeRedis
import RedisClient
import RedisTestSupport
import SocketIOProtocol
import Synchronization
import Testing

/// One started backend, as one edge sees it, with everything its bus handed back.
struct Edge: Sendable {
    let kind: BackendKind
    let nodeId: String
    let backend: Backend
    let events: EventRecorder
    /// Tells this edge apart from others of its test (a restarted node keeps its id).
    fileprivate let serial: Int
    /// Every edge this test started (this one, its peers), all shut down when it ends.
    fileprivate let cluster: Cluster

    var bus: any MessageBus { backend.bus }
    var presence: any PresenceStore { backend.presence }
    var settings: any SettingsStore { backend.settings }

    /// The topic `settle` publishes its markers on; acquired at start, left out of
    /// `events`.
    static let markerTopic = Topic.user("contract-marker")

    /// Waits (up to 5 s) until everything the calls before it caused has been handed
    /// to this edge: publishes a marker and waits for it. Deliveries and control
    /// events reach an edge in publish order (memory: synchronously; Redis: on its one
    /// subscriber connection), so once the marker is in, nothing earlier can follow,
    /// and `events` can be compared exactly ("nothing more arrived").
    func settle(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let marker = events.nextMarker()
        try await bus.publish(Self.markerTopic, frame: ByteBuffer(string: marker), excluding: nil)
        let arrived = await eventually { events.markers.contains(marker) }
        try #require(arrived, "marker \(marker) did not arrive within 5 s", sourceLocation: sourceLocation)
    }

    /// Another edge of this edge's cluster, with its own events (Redis); nil for
    /// memory, which is one node by definition. Shut down when the test ends.
    func peer(nodeId: String = "node-b") async throws -> Edge? {
        guard kind == .redis else { return nil }
        return try await Edge.start(kind, nodeId: nodeId, flush: false, cluster: cluster)
    }

    /// Shuts this edge's backend down (once; the harness skips it afterwards).
    func shutdown() async {
        if cluster.markShutDown(serial) { await bus.shutdown() }
    }

    /// Redis only: simulates a restart that lost every key (FLUSHALL); memory cannot
    /// lose presence while the process lives, so this does nothing there.
    func loseBackendState() async throws {
        guard kind == .redis else { return }
        try await Edge.flush(try SharedRedisServer.server())
    }

    // MARK: Starting

    fileprivate static func start(_ kind: BackendKind, nodeId: String, flush: Bool, cluster: Cluster) async throws -> Edge {
        let backend: Backend
        switch kind {
        case .memory:
            backend = .memory()
        case .redis:
            let server = try SharedRedisServer.server()
            if flush { try await Edge.flush(server) }
            backend = try .redis(RedisOptions(url: server.url), nodeId: nodeId, logger: quietLogger)
        }
        let events = EventRecorder()
        let edge = cluster.add {
            Edge(kind: kind, nodeId: nodeId, backend: backend, events: events, serial: $0, cluster: cluster)
        }
        try await backend.bus.start(onEvent: events.handler)
        try await backend.bus.acquire(markerTopic)
        return edge
    }

    static func flush(_ server: RedisServer) async throws {
        let connection = try await RedisConnection.connect(
            configuration: server.configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: quietLogger)
        do {
            let reply = try await connection.send(RedisCommand("FLUSHALL"))
            await connection.close()
            try #require(reply.string == "OK", "FLUSHALL answered \(reply)")
        } catch {
            await connection.close()
            throw error
        }
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "BackendContractTests")
        logger.logLevel = .critical
        return logger
    }
}

/// Runs `body` with a started edge of a fresh backend (Redis: the shared server,
/// flushed first), then shuts down every edge it started, even when `body` throws.
func withEdge(_ kind: BackendKind, nodeId: String = "node-a", _ body: (Edge) async throws -> Void) async throws {
    let cluster = Cluster()
    do {
        let edge = try await Edge.start(kind, nodeId: nodeId, flush: true, cluster: cluster)
        try await body(edge)
    } catch {
        await cluster.shutdownAll()
        throw error
    }
    await cluster.shutdownAll()
}

/// The edges one test started.
final class Cluster: Sendable {
    private let edges = Mutex<[Edge]>([])
    private let shutDown = Mutex<Set<Int>>([])

    fileprivate func add(_ make: (Int) -> Edge) -> Edge {
        edges.withLock { edges in
            let edge = make(edges.count)
            edges.append(edge)
            return edge
        }
    }

    /// True the first time for an edge.
    fileprivate func markShutDown(_ serial: Int) -> Bool {
        shutDown.withLock { $0.insert(serial).inserted }
    }

    fileprivate func shutdownAll() async {
        for edge in edges.withLock({ $0 }) {
            await edge.shutdown()
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

// MARK: Recording

/// Collects what a backend hands its edge, for assertions. Marker deliveries (see
/// `Edge.settle`) are kept apart.
final class EventRecorder: Sendable {
    private let recorded = Mutex<[BackendEvent]>([])
    private let markerFrames = Mutex<[String]>([])
    private let markerCount = Atomic<Int>(0)

    var handler: @Sendable (BackendEvent) -> Void {
        { [self] event in
            if case .delivery(let delivery) = event, delivery.topic == Edge.markerTopic {
                markerFrames.withLock { $0.append(String(buffer: delivery.frame)) }
            } else {
                recorded.withLock { $0.append(event) }
            }
        }
    }

    fileprivate func nextMarker() -> String {
        "marker-\(markerCount.add(1, ordering: .relaxed).newValue)"
    }

    fileprivate var markers: [String] { markerFrames.withLock { $0 } }

    /// Every event but markers, in arrival order.
    var all: [BackendEvent] { recorded.withLock { $0 } }

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

    var endedSessions: [EndedSessions] {
        all.compactMap { if case .endSessions(let user, let session) = $0 { EndedSessions(userId: user, sessionId: session) } else { nil } }
    }

    var evictions: Int {
        all.count { if case .evicted = $0 { true } else { false } }
    }

    func reset() { recorded.withLock { $0.removeAll() } }
}

struct DeliverySummary: Equatable, CustomStringConvertible {
    var topic: Topic
    var frame: String
    var excluding: String?
    var description: String { "\(topic) \(frame) excluding \(excluding ?? "nobody")" }
}

struct EndedSessions: Equatable {
    var userId: String
    var sessionId: String?
}

// MARK: Fixtures

enum F {
    static func member(_ id: String, data: Int? = nil, userId: String? = nil) -> PresenceRecord {
        PresenceRecord(id: id, data: data.map { .object(["n": .number(Double($0))]) } ?? .null, node: "node-a", userId: userId)
    }

    static func frame(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func announcement(_ channel: String, _ frame: String) -> ChannelAnnouncement {
        ChannelAnnouncement(channel: channel, frame: ByteBuffer(string: frame))
    }

    /// A window long enough (about 11.6 days, aligned on the epoch) that no test
    /// crosses into the next one in practice.
    static func limit(_ name: String, rate: Int) -> RateLimit {
        RateLimit(name: name, rate: rate, duration: 1_000_000, errorMessage: "\(name) exceeded")
    }
}
