import SocketIOProtocol

/// One edge's status report: what `GET /stats` answers and what the edge stores
/// every second in `rt:node:<id>:heartbeat` for the coordinator. One typed document
/// for both sides, versioned by `schema`.
///
/// Counters are cumulative since the edge started. Reading is lenient on purpose: a
/// field an older or newer edge does not send reads as zero, and unknown fields are
/// ignored, so a version skew never hides a node from the cluster view. A change that
/// alters the meaning of an existing field must raise `currentSchema`.
public struct NodeHeartbeat: Sendable, Equatable {
    /// 1: the first typed version (the untyped document before it had no `schema`
    /// and reads the same way).
    public static let currentSchema = 1

    public var schema: Int = NodeHeartbeat.currentSchema
    public var node: String
    public var address: String
    public var version: String
    public var uptimeSeconds: Double
    public var connections: Int
    public var channels: Int
    public var counters: Counters
    public var backend: BackendStatus
    public var draining: Bool
    /// Channel-rule refusals since start: rule match → action (`join`, `publish`,
    /// `members`) → count.
    public var channelRuleRefusals: [String: [String: Int64]] = [:]
    /// The version of the settings this edge enforces (SPEC §7); nil from an edge
    /// older than the field. `version` is the software version.
    public var settingsVersion: Int64?
    /// Descriptors this process has open, and its (soft) limit: how close the node is
    /// to refusing connections.
    public var openFiles: Int64 = 0
    public var openFilesLimit: Int64 = 0
    /// Unix milliseconds on the edge's clock when it wrote this heartbeat.
    public var timestamp: Int64

    /// The cumulative counters rates and Prometheus counters are derived from.
    public struct Counters: Sendable, Equatable {
        public var messagesIn: Int64 = 0
        public var messagesOut: Int64 = 0
        public var bytesIn: Int64 = 0
        public var bytesOut: Int64 = 0
        public var rateLimitRejections: Int64 = 0
        public var rateLimitFallbacks: Int64 = 0
        public var slowClientDisconnects: Int64 = 0
        public var totalConnections: Int64 = 0
        public var errorsSent: Int64 = 0
        public var handshakeFailures: Int64 = 0
        public var backendOutages: Int64 = 0
        public var openSockets: Int64 = 0
        public var connectionsRefused: Int64 = 0
        /// Connections the kernel had queued that could not be accepted (EMFILE, ENFILE).
        public var acceptFailures: Int64 = 0
        /// HTTP connections closed for not sending a complete request head in time.
        public var requestHeadTimeouts: Int64 = 0
        /// Kept-alive HTTP connections closed after idling between requests.
        public var idleTimeouts: Int64 = 0

        public init() {}
    }

    public struct BackendStatus: Sendable, Equatable {
        public var kind: String
        public var up: Bool
        /// Unix seconds when the current outage began; nil while up.
        public var downSince: Int64?

        public init(kind: String, up: Bool, downSince: Int64? = nil) {
            self.kind = kind
            self.up = up
            self.downSince = downSince
        }
    }

    public init(
        node: String, address: String, version: String, uptimeSeconds: Double, connections: Int, channels: Int,
        counters: Counters, backend: BackendStatus, draining: Bool, timestamp: Int64, settingsVersion: Int64? = nil
    ) {
        self.node = node
        self.address = address
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.connections = connections
        self.channels = channels
        self.counters = counters
        self.backend = backend
        self.draining = draining
        self.timestamp = timestamp
        self.settingsVersion = settingsVersion
    }
}

extension NodeHeartbeat {
    /// The wire form (flat counters, `backend` object, `ts`), as `/stats` shows it.
    public var json: JSONValue {
        func n(_ v: Int64) -> JSONValue { .number(Double(v)) }
        let c = counters
        return .object([
            "schema": .number(Double(schema)),
            "node": .string(node),
            "address": .string(address),
            "version": .string(version),
            "uptimeSeconds": .number((uptimeSeconds * 10).rounded() / 10),
            "connections": .number(Double(connections)),
            "totalConnections": n(c.totalConnections),
            "channels": .number(Double(channels)),
            "messagesIn": n(c.messagesIn),
            "messagesOut": n(c.messagesOut),
            "bytesIn": n(c.bytesIn),
            "bytesOut": n(c.bytesOut),
            "errorsSent": n(c.errorsSent),
            "handshakeFailures": n(c.handshakeFailures),
            "openSockets": n(c.openSockets),
            "connectionsRefused": n(c.connectionsRefused),
            "slowClientDisconnects": n(c.slowClientDisconnects),
            "rateLimitRejections": n(c.rateLimitRejections),
            "rateLimitFallbacks": n(c.rateLimitFallbacks),
            "acceptFailures": n(c.acceptFailures),
            "requestHeadTimeouts": n(c.requestHeadTimeouts),
            "idleTimeouts": n(c.idleTimeouts),
            "openFiles": n(openFiles),
            "openFilesLimit": n(openFilesLimit),
            "backend": .object([
                "kind": .string(backend.kind),
                "up": .bool(backend.up),
                "outages": n(c.backendOutages),
                "downSince": backend.downSince.map(n) ?? .null,
            ]),
            "draining": .bool(draining),
            "channelRuleRefusals": .object(channelRuleRefusals.mapValues { .object($0.mapValues(n)) }),
            "settingsVersion": settingsVersion.map(n) ?? .null,
            "ts": n(timestamp),
        ])
    }

    /// Nil when the bytes are not a JSON object with a usable `ts`: such a
    /// heartbeat cannot prove the node is alive, so it counts as missing.
    public init?(json bytes: some Collection<UInt8>, nodeId: String) {
        guard let value = try? JSONValue.parse(bytes), value.objectValue != nil else { return nil }
        self.init(value, nodeId: nodeId)
    }

    public init?(_ value: JSONValue, nodeId: String) {
        guard let ts = value["ts"]?.doubleValue, ts.isFinite, ts > 0 else { return nil }
        func int(_ v: JSONValue?) -> Int64 {
            guard let d = v?.doubleValue, d.isFinite else { return 0 }
            return Int64(max(0, min(d, 9e18)))
        }
        func int(_ key: String) -> Int64 { int(value[key]) }
        var counters = Counters()
        counters.messagesIn = int("messagesIn")
        counters.messagesOut = int("messagesOut")
        counters.bytesIn = int("bytesIn")
        counters.bytesOut = int("bytesOut")
        counters.rateLimitRejections = int("rateLimitRejections")
        counters.rateLimitFallbacks = int("rateLimitFallbacks")
        counters.slowClientDisconnects = int("slowClientDisconnects")
        counters.totalConnections = int("totalConnections")
        counters.errorsSent = int("errorsSent")
        counters.handshakeFailures = int("handshakeFailures")
        counters.backendOutages = int(value["backend"]?["outages"])
        counters.openSockets = int("openSockets")
        counters.connectionsRefused = int("connectionsRefused")
        counters.acceptFailures = int("acceptFailures")
        counters.requestHeadTimeouts = int("requestHeadTimeouts")
        counters.idleTimeouts = int("idleTimeouts")
        let downSince = value["backend"]?["downSince"]?.doubleValue.map { Int64($0) }
        self.init(
            node: value["node"]?.stringValue ?? nodeId,
            address: value["address"]?.stringValue ?? "",
            version: value["version"]?.stringValue ?? "",
            uptimeSeconds: value["uptimeSeconds"]?.doubleValue ?? 0,
            connections: Int(int("connections")),
            channels: Int(int("channels")),
            counters: counters,
            backend: BackendStatus(
                kind: value["backend"]?["kind"]?.stringValue ?? "",
                up: value["backend"]?["up"]?.boolValue ?? true,
                downSince: downSince),
            draining: value["draining"]?.boolValue ?? false,
            timestamp: Int64(ts),
            settingsVersion: value["settingsVersion"]?.doubleValue.flatMap { $0.isFinite ? Int64($0) : nil })
        self.schema = Int(int("schema"))
        for (rule, actions) in value["channelRuleRefusals"]?.objectValue ?? [:] {
            channelRuleRefusals[rule] = (actions.objectValue ?? [:]).mapValues { int($0) }
        }
        self.openFiles = int("openFiles")
        self.openFilesLimit = int("openFilesLimit")
    }
}
