/// The scenarios `realtime bench` knows.
public enum BenchScenario: String, CaseIterable, Sendable, Codable {
    case fanout, channels, presence, connections, broadcast, sweep, storm
}

/// Options for every scenario; nil means the scenario's own default.
public struct BenchOptions: Sendable {
    public var urls: [String] = []
    /// Measured seconds of load (after warm-up); every scenario stops by itself.
    public var duration: Double = 10
    public var warmup: Double = 1
    /// Event loop threads of the load generator; default: one per core.
    public var threads: Int?
    /// Connections opened at once while setting up.
    public var concurrency = 128
    /// Payload size of bench messages, bytes (roughly).
    public var size = 64
    public var channel = "bench"

    // fanout / channels
    public var subscribers: Int?
    public var publishers: Int?
    /// Total published messages per second (all publishers); 0 = as fast as acks allow.
    public var rate: Double?
    /// Closed-loop publishing: unacknowledged messages per publisher.
    public var window = 32
    public var channels: Int?
    public var members: Int?

    // presence
    public var clients: Int?
    /// Presence operations per second (presence scenario).
    public var opsRate: Double?

    // connections / broadcast
    public var connections: Int?
    /// Source addresses 127.0.0.2 … for the connections scenario.
    public var sources: Int?
    /// Edge process ids whose RSS the connections scenario reads (/proc/<pid>/status).
    public var pids: [Int32] = []
    public var rounds: Int?
    public var intervalMilliseconds: Int?

    // sweep
    /// Publish rates (messages/s) the single publisher steps through.
    public var rates: [Double] = [100, 200, 400, 800, 1600, 3200, 6400]
    /// How the sweep's publisher sends: a Socket.IO connection or the server API.
    public var via: PublisherTransport = .socket
    /// The server API key, for `--via http`.
    public var masterKey: String?
    /// A step is clean when deliveries keep up with nothing lost and, when this is
    /// set, p99 stays within it (ms).
    public var cleanP99Milliseconds: Double?

    /// A free-text label copied into the report (e.g. "redis, 3 edges").
    public var label: String?

    public init() {}
}

/// How a publisher reaches the edge.
public enum PublisherTransport: String, Sendable, Codable, CaseIterable {
    /// `message` events on a Socket.IO connection, acked.
    case socket
    /// `POST /api/v1/channels/{channel}/messages` on one kept-alive HTTP/1.1 connection.
    case http
}
