import Foundation
import Logging
import NIOCore
import RealtimeCore
import Synchronization

/// One edge: the backend behind it, the local subscription index, settings and
/// stats. Sessions and HTTP routes share it; it holds no per-connection state itself.
public final class EdgeNode: Sendable {
    public let configuration: EdgeConfiguration
    public let backend: Backend
    public let stats: NodeStats
    /// The settings this edge enforces (the stored ones live in `backend.settings`).
    public let settings: EnforcedSettings
    let hub: LocalHub
    let interest: TopicInterest
    let authenticator: HandshakeAuthenticator
    let admission: ConnectionAdmission
    public let ruleRefusals = RuleRefusals()
    let joinWebhook = JoinWebhook()
    let logger: Logger
    private let draining = Atomic<Bool>(false)
    /// Set once the node left the cluster registry: no heartbeat may re-add it.
    private let deregistered = Atomic<Bool>(false)

    public init(configuration: EdgeConfiguration, backend: Backend, logger: Logger) async {
        self.configuration = configuration
        let stats = NodeStats()
        self.stats = stats
        self.hub = LocalHub(stats: stats)
        self.backend = backend
        self.settings = EnforcedSettings(configuration.initialSettings, backendRetains: backend.recovery.unavailableReason == nil)
        self.interest = TopicInterest(bus: backend.bus)
        self.authenticator = HandshakeAuthenticator(sessions: await SessionVerifier(secret: configuration.jwtSecret))
        self.admission = ConnectionAdmission(maxOpen: configuration.maxConnections, maxPerSecond: configuration.maxConnectRate)
        self.logger = logger
    }

    public var nodeId: String { configuration.nodeId }

    /// Connects the backend, joins the registry, loads (or seeds) the settings and
    /// subscribes to broadcasts.
    public func start() async throws {
        try await backend.bus.start { [weak self] event in self?.handle(event) }
        try await backend.registration.register()
        let inForce = try await backend.settings.seed(configuration.initialSettings)
        settings.replace(inForce)
        logger.info("settings in force", metadata: ["version": "\(inForce.version)"])
        try await interest.retain(.broadcast)
        logger.info("edge started", metadata: ["node": "\(nodeId)", "backend": "\(backend.kind)"])
    }

    /// Ends every session (clients are told to reconnect elsewhere) and disconnects the backend.
    public func shutdown() async {
        draining.store(true, ordering: .relaxed)
        // Readiness first: /health is 503 from now on; give load balancers time to
        // take this edge out of rotation before its clients reconnect.
        if configuration.drainDelay > .zero, hub.connectionCount > 0 {
            logger.notice("draining: waiting for load balancers", metadata: ["delay": "\(configuration.drainDelay)"])
            try? await Task.sleep(for: configuration.drainDelay)
        }
        closeConnections()
        // Give sessions a moment to clean their presence up before the backend goes.
        for _ in 0..<50 where hub.connectionCount > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
        deregistered.store(true, ordering: .relaxed)
        await backend.registration.deregister()
        await backend.bus.shutdown()
    }

    /// Every second, publishes this node's heartbeat for the coordinator; a failure only logs.
    func heartbeatLoop() async {
        var second = 0
        while !Task.isCancelled, !deregistered.load(ordering: .relaxed) {
            second += 1
            await refreshRecoverableSessions(second: second)
            do {
                try await backend.registration.beat(heartbeat())
            } catch {
                logger.debug("heartbeat failed", metadata: ["error": "\(error)"])
            }
            await checkStoredSettings()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Tells every connected client the server is going away (1001); they reconnect
    /// elsewhere. WebSockets live on NIO handlers, not on the HTTP server's tasks, so
    /// stopping the listener alone would leave them open.
    public func closeConnections() {
        for connection in hub.allConnections { connection.queue.close(.serverShutdown) }
    }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }
    public var isBackendUp: Bool { stats.backendUp.load(ordering: .relaxed) }
    public var connectionCount: Int { hub.connectionCount }
    public var channelCount: Int { hub.channelCount }

    private func handle(_ event: BackendEvent) {
        switch event {
        case .delivery(let delivery):
            hub.deliver(delivery)
        case .settingsChanged(let newSettings):
            apply(newSettings, source: "announced")
        case .lost:
            if stats.backendUp.exchange(false, ordering: .relaxed) {
                stats.backendOutages.add(1, ordering: .relaxed)
                stats.backendDownSince.store(Int(unixNow()), ordering: .relaxed)
                logger.error("backend unreachable: publishes fail until it returns")
            }
        case .restored:
            stats.backendUp.store(true, ordering: .relaxed)
            stats.backendDownSince.store(0, ordering: .relaxed)
            logger.notice("backend reachable again: restoring presence")
            restorePresence()
        case .endSessions(let userId, let sessionId):
            let ended = hub.connections(ofUser: userId).filter { sessionId == nil || $0.sessionId == sessionId }
            for connection in ended { connection.close(.sessionEnded) }
            if !ended.isEmpty { logger.info("signout ended connections", metadata: ["count": "\(ended.count)"]) }
        case .evicted:
            logger.warning("the coordinator declared this node dead: re-asserting presence")
            restorePresence()
        }
    }

    /// The live local memberships that keep a presence record: channels under a
    /// `presence: false` rule keep none.
    private func restorableMemberships() -> [(channel: String, member: PresenceRecord)] {
        hub.memberships(node: nodeId).filter { settings.rule(for: $0.channel)?.presence ?? true }
    }

    /// Writes every live local membership back; announced with `channel:join` only when
    /// the node had been evicted (its members' leaves were announced then).
    private func restorePresence() {
        Task { [backend, logger] in
            // The subscriber can be back a moment before the command pool is (its
            // connections back off on their own schedule): retry for a few seconds
            // rather than leave the members missing until the next outage.
            for attempt in 1...20 {
                do {
                    // Read afresh on each attempt: members may have left meanwhile.
                    try await backend.presence.restore(self.restorableMemberships())
                    break
                } catch {
                    guard attempt < 20, self.isBackendUp else {
                        logger.error("presence restore failed", metadata: ["error": "\(error)"])
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            await self.checkStoredSettings()
        }
    }
}

func unixNow() -> Double {
    Date().timeIntervalSince1970
}
