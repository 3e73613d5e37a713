import Foundation

/// Real processes on 127.0.0.1: optionally redis-server and a coordinator, N
/// `realtime edge` nodes, and HAProxy in front of them with the project's own
/// deploy/haproxy.cfg. Start it with ``withLocalCluster(_:_:)``, which stops
/// every process whatever the test does.
public final class LocalCluster: @unchecked Sendable {
    public struct Options: Sendable {
        public var edges = 1
        public var redis = false
        public var coordinator = false
        public var loadBalancer = false
        /// JSON settings file contents seeding the edges.
        public var settings: String?
        public var extraEdgeArguments: [String] = []
        public init(edges: Int = 1, redis: Bool = false, coordinator: Bool = false, loadBalancer: Bool = false) {
            self.edges = edges
            self.redis = redis
            self.coordinator = coordinator
            self.loadBalancer = loadBalancer
        }
    }

    public struct Edge: Sendable {
        public let nodeId: String
        public let port: Int
        public let process: TestProcess
        public var url: String { "ws://127.0.0.1:\(port)" }
        public var httpBase: String { "http://127.0.0.1:\(port)" }
    }

    public static let masterKey = "client-tests-master-key-0123456789"
    public static let jwtSecret = "client-tests-jwt-secret-0123456789abcdef"

    public let workDirectory: URL
    public private(set) var edges: [Edge] = []
    public private(set) var redisPort: Int?
    public private(set) var loadBalancerPort: Int?
    private var processes: [TestProcess] = []

    init(workDirectory: URL) {
        self.workDirectory = workDirectory
    }

    /// The load balancer's URL, or the first edge's when there is none.
    public var url: String {
        loadBalancerPort.map { "ws://127.0.0.1:\($0)" } ?? edges[0].url
    }

    func start(_ options: Options) async throws {
        if options.redis {
            guard let server = TestEnvironment.which("redis-server") else { throw TestTimeout(what: "redis-server on PATH") }
            let port = try TestEnvironment.freePort()
            let redis = try launch("redis", server, ["--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no"])
            redisPort = port
            guard await Self.waitForPort(port) else { throw TestTimeout(what: "redis-server to listen\n\(redis.logTail())") }
        }
        let redisURL = redisPort.map { "redis://127.0.0.1:\($0)" }
        if options.coordinator, let redisURL {
            let port = try TestEnvironment.freePort()
            let coordinator = try launch(
                "coordinator", TestEnvironment.realtimeBinary,
                [
                    "coordinator", "--host", "127.0.0.1", "--port", "\(port)", "--redis", redisURL, "--dead-after", "3",
                ])
            guard await Self.waitForHTTP("http://127.0.0.1:\(port)/health") else {
                throw TestTimeout(what: "the coordinator to start\n\(coordinator.logTail())")
            }
        }
        var settingsPath: String?
        if let settings = options.settings {
            let file = workDirectory.appendingPathComponent("settings.json")
            try settings.write(to: file, atomically: true, encoding: .utf8)
            settingsPath = file.path
        }
        for index in 1...options.edges {
            let port = try TestEnvironment.freePort()
            let nodeId = "edge-\(index)-\(UUID().uuidString.prefix(6))"
            var arguments = [
                "edge", "--host", "127.0.0.1", "--port", "\(port)", "--node-id", nodeId,
                "--master-key", Self.masterKey, "--jwt-secret", Self.jwtSecret, "--drain-delay", "0",
            ]
            if let redisURL { arguments += ["--redis", redisURL] }
            if let settingsPath { arguments += ["--settings", settingsPath] }
            arguments += options.extraEdgeArguments
            let process = try launch(nodeId, TestEnvironment.realtimeBinary, arguments)
            edges.append(Edge(nodeId: nodeId, port: port, process: process))
        }
        for edge in edges where !(await Self.waitForHTTP(edge.httpBase + "/health")) {
            throw TestTimeout(what: "\(edge.nodeId) to be healthy\n\(edge.process.logTail())")
        }
        if options.loadBalancer { try await startLoadBalancer() }
    }

    private func startLoadBalancer() async throws {
        guard let haproxy = TestEnvironment.which("haproxy") else { throw TestTimeout(what: "haproxy on PATH") }
        let template = try String(
            contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("deploy/haproxy.cfg"), encoding: .utf8)
        let servers = edges.enumerated().map { "    server edge\($0.offset + 1) 127.0.0.1:\($0.element.port)" }
        let config = workDirectory.appendingPathComponent("haproxy.cfg")
        try (template + "\n" + servers.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
        let port = try TestEnvironment.freePort()
        let statsPort = try TestEnvironment.freePort()
        let lb = try launch(
            "haproxy", haproxy, ["-db", "-f", config.path],
            environment: [
                "LB_BIND": "127.0.0.1:\(port)", "LB_STATS_BIND": "127.0.0.1:\(statsPort)",
            ])
        loadBalancerPort = port
        guard await Self.waitForHTTP("http://127.0.0.1:\(port)/health") else {
            throw TestTimeout(what: "haproxy to route\n\(lb.logTail())")
        }
    }

    private func launch(_ name: String, _ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> TestProcess
    {
        let process = try TestProcess(
            name: name, executable: executable, arguments: arguments, environment: environment, logDirectory: workDirectory)
        processes.append(process)
        return process
    }

    public func stopAll() {
        for process in processes.reversed() { process.kill() }
    }

    /// Every process's log tail, for a failure message.
    public func logs() -> String {
        processes.map { "--- \($0.name)\n\($0.logTail(lines: 15))" }.joined(separator: "\n")
    }

    // MARK: HTTP

    /// GET (or another method) on a cluster process.
    public static func http(_ url: String, method: String = "GET", body: String? = nil, bearer: String? = nil) async throws -> HTTPResult {
        try await sendHTTP(method, url, body: body, bearer: bearer)
    }

    static func waitForHTTP(_ url: String, within limit: Duration = .seconds(20)) async -> Bool {
        await eventually(within: limit) {
            (try? await http(url).status) == 200
        }
    }

    static func waitForPort(_ port: Int, within limit: Duration = .seconds(10)) async -> Bool {
        await eventually(within: limit) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            return withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
        }
    }
}

/// Starts a ``LocalCluster``, runs `body`, and always stops every process.
public func withLocalCluster<T>(
    _ options: LocalCluster.Options, _ body: (LocalCluster) async throws -> T
) async throws -> T {
    let cluster = LocalCluster(workDirectory: try TestEnvironment.makeWorkDirectory("realtime-cluster"))
    defer { cluster.stopAll() }
    do {
        try await cluster.start(options)
        return try await body(cluster)
    } catch {
        print("cluster logs (\(cluster.workDirectory.path)):\n\(cluster.logs())")
        throw error
    }
}
