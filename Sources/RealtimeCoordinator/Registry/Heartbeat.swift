import SocketIOProtocol

/// One edge's heartbeat: its `/stats` object plus `ts`, as it stored it in
/// `rt:node:<id>:heartbeat`. Counters are cumulative since the edge started.
///
/// Parsing is lenient on purpose: a field an older or newer edge does not send
/// reads as zero, so a version skew never hides a node from the cluster view.
struct Heartbeat: Sendable, Equatable {
    var node: String
    var address: String
    var version: String
    var uptimeSeconds: Double
    var connections: Int
    var channels: Int
    var counters: Counters
    var backendUp: Bool
    var draining: Bool
    /// Unix milliseconds on the edge's clock when it wrote this heartbeat.
    var timestamp: Int64

    /// The cumulative counters rates and Prometheus counters are derived from.
    struct Counters: Sendable, Equatable {
        var messagesIn: Int64 = 0
        var messagesOut: Int64 = 0
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var rateLimitRejections: Int64 = 0
        var slowClientDisconnects: Int64 = 0
        var totalConnections: Int64 = 0
        var errorsSent: Int64 = 0
        var handshakeFailures: Int64 = 0
        var backendOutages: Int64 = 0
    }

    /// Nil when the bytes are not a JSON object with a usable `ts`: such a
    /// heartbeat cannot prove the node is alive, so it counts as missing.
    init?(json bytes: some Collection<UInt8>, nodeId: String) {
        guard let value = try? JSONValue.parse(bytes), value.objectValue != nil else { return nil }
        self.init(value, nodeId: nodeId)
    }

    init?(_ value: JSONValue, nodeId: String) {
        guard let ts = value["ts"]?.doubleValue, ts.isFinite, ts > 0 else { return nil }
        func int(_ key: String) -> Int64 {
            guard let d = value[key]?.doubleValue, d.isFinite else { return 0 }
            return Int64(max(0, min(d, 9e18)))
        }
        self.node = value["node"]?.stringValue ?? nodeId
        self.address = value["address"]?.stringValue ?? ""
        self.version = value["version"]?.stringValue ?? ""
        self.uptimeSeconds = value["uptimeSeconds"]?.doubleValue ?? 0
        self.connections = Int(int("connections"))
        self.channels = Int(int("channels"))
        self.counters = Counters(
            messagesIn: int("messagesIn"), messagesOut: int("messagesOut"),
            bytesIn: int("bytesIn"), bytesOut: int("bytesOut"),
            rateLimitRejections: int("rateLimitRejections"),
            slowClientDisconnects: int("slowClientDisconnects"),
            totalConnections: int("totalConnections"),
            errorsSent: int("errorsSent"), handshakeFailures: int("handshakeFailures"),
            backendOutages: value["backend"]?["outages"]?.intValue.map(Int64.init) ?? 0)
        self.backendUp = value["backend"]?["up"]?.boolValue ?? true
        self.draining = value["draining"]?.boolValue ?? false
        self.timestamp = Int64(ts)
    }
}
