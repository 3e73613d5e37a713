import RealtimeCore

/// Everything an edge needs to start; filled from flags and REALTIME_* variables.
public struct EdgeConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// nil selects the in-memory single-node backend. For display only: the password
    /// is already `***` (the executable hands the real options to the backend).
    public var redisURL: String?
    public var nodeId: String
    /// The address other processes (coordinator, dashboards) use to reach this edge.
    public var advertisedAddress: String?
    public var masterKey: String?
    public var jwtSecret: String?
    /// Settings used to seed the store when none are stored yet.
    public var initialSettings: RealtimeSettings
    public var limits: ConnectionLimits
    public var pingInterval: Duration
    public var pingTimeout: Duration
    /// Largest Engine.IO packet accepted; bigger frames close the connection (1009).
    public var maxPayload: Int
    /// Addresses whose X-Forwarded-For header is believed (the load balancer).
    public var trustedProxies: TrustedProxies
    /// Serve the demo chat page at /demo/ (off by default).
    public var demoEnabled: Bool = false
    /// On SIGTERM, how long /health answers 503 (and upgrades are refused) before the
    /// clients are sent away, so load balancers stop routing here before they reconnect.
    public var drainDelay: Duration = .seconds(2)
    /// The listen backlog: connections the kernel queues before they are accepted
    /// (capped by net.core.somaxconn). A reconnect storm after an edge dies arrives
    /// all at once; an overflowing queue leaves clients retrying SYNs for seconds.
    public var backlog: Int = 4096
    /// After SIGTERM, the process exits within this long whatever its clients do.
    public var drainTimeout: Duration = .seconds(30)
    /// How long a connection may take to send a complete request head (its first, or
    /// the next one after a response) before it is closed.
    public var requestTimeout: Duration = .seconds(10)
    /// How long a kept-alive HTTP connection may idle between requests.
    public var keepAliveTimeout: Duration = .seconds(60)
    /// Most WebSocket connections open at once; beyond it upgrades get 503 (nil: no cap).
    public var maxConnections: Int?
    /// Most new WebSocket connections accepted per second, bursting to as many (nil: no cap).
    public var maxConnectRate: Int?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        redisURL: String? = nil,
        nodeId: String = EdgeConfiguration.defaultNodeId(),
        advertisedAddress: String? = nil,
        masterKey: String? = nil,
        jwtSecret: String? = nil,
        initialSettings: RealtimeSettings = .default,
        limits: ConnectionLimits = .default,
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        trustedProxies: TrustedProxies = ["127.0.0.1", "::1"]
    ) {
        self.host = host
        self.port = port
        self.redisURL = redisURL
        self.nodeId = nodeId
        self.advertisedAddress = advertisedAddress
        self.masterKey = masterKey
        self.jwtSecret = jwtSecret
        self.initialSettings = initialSettings
        self.limits = limits
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.trustedProxies = trustedProxies
    }

    public static func defaultNodeId() -> String {
        "edge-" + RandomID.make(length: 8)
    }
}
