import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Pub/sub on a Redis Cluster: one subscriber connection per master. A sharded
/// channel (`SSUBSCRIBE`) is subscribed on the master owning its slot and on no other,
/// so its messages touch only that shard; global topics (plain `SUBSCRIBE`, which
/// the cluster bus delivers from every node) live on one master, the owner of a
/// fixed slot. When the slot map changes (failover, resharding) or a master drops a
/// shard channel (`sunsubscribe` push), each topic is moved to its new owner.
public final class RedisClusterSubscriber: Sendable {
    private let core: ClusterSubscriberCore
    private let status: ClusterSubscriberState
    private let client: RedisClusterClient
    private let watch: NIOLockedValueBox<RedisEndpointWatch?> = NIOLockedValueBox(nil)

    public init(
        client: RedisClusterClient,
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        probeInterval: Duration = .seconds(1),
        onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void,
        onStateChange: @escaping @Sendable (RedisSubscriberState) -> Void
    ) {
        let status = ClusterSubscriberState(onStateChange: onStateChange)
        self.status = status
        self.client = client
        self.core = ClusterSubscriberCore(
            client: client, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
            probeInterval: probeInterval, onMessage: onMessage, status: status)
    }

    /// Reads the slot map and connects to every master, in the background.
    public func start() {
        let core = self.core
        watch.withLockedValue { watch in
            guard watch == nil else { return }
            watch = client.watch { topology in Task { await core.topologyChanged(topology) } }
        }
        client.start()
        Task {
            if let topology = try? await client.currentTopology() { await core.topologyChanged(topology) }
        }
    }

    public func waitUntilConnected(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while status.current != .connected {
            guard ContinuousClock.now < deadline else { throw RedisError.timeout }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    public var state: RedisSubscriberState { status.current }

    /// Global topics (plain SUBSCRIBE).
    public func subscribe(_ topics: [String]) async throws { try await core.subscribe(topics) }
    public func unsubscribe(_ topics: [String]) async throws { await core.unsubscribe(topics) }
    /// Sharded topics (SSUBSCRIBE on the owning master).
    public func ssubscribe(_ topics: [String]) async throws { try await core.ssubscribe(topics) }
    public func sunsubscribe(_ topics: [String]) async throws { await core.sunsubscribe(topics) }

    /// The master each sharded topic is subscribed on now (tests, diagnostics).
    public func placements() async -> [String: RedisEndpoint] { await core.placements() }

    public func stop() async {
        watch.withLockedValue { watch in
            watch?.cancel()
            watch = nil
        }
        await core.stop()
        status.stopped()
    }
}

/// The placement logic of `RedisClusterSubscriber`, serialized by the actor. The
/// desired sets change before any await, so a topology change that interleaves
/// places what is desired at that moment.
actor ClusterSubscriberCore {
    /// Global topics live on the master owning this slot (the slot of the `{rt}` tag).
    static let homeSlot = RedisClusterSlot.slot(of: "{rt}")

    private let client: RedisClusterClient
    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let probeInterval: Duration
    private let onMessage: @Sendable (RedisPubSubMessage) -> Void
    private let status: ClusterSubscriberState

    private var topology: RedisClusterTopology?
    private var shards: [RedisEndpoint: (generation: Int, subscriber: RedisSubscriber)] = [:]
    private var generation = 0
    private var plain: Set<String> = []
    private var sharded: Set<String> = []
    private var placed: [String: RedisEndpoint] = [:]
    private var home: RedisEndpoint?
    private var isStopped = false
    private var retryScheduled = false

    init(
        client: RedisClusterClient, configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, logger: Logger,
        probeInterval: Duration, onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void, status: ClusterSubscriberState
    ) {
        self.client = client
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.probeInterval = probeInterval
        self.onMessage = onMessage
        self.status = status
    }

    func placements() -> [String: RedisEndpoint] { placed }

    func subscribe(_ topics: [String]) async throws {
        plain.formUnion(topics)
        guard let home, let subscriber = shards[home]?.subscriber else { throw RedisError.notConnected }
        try await subscriber.subscribe(topics)
    }

    func unsubscribe(_ topics: [String]) async {
        plain.subtract(topics)
        if let home, let subscriber = shards[home]?.subscriber { try? await subscriber.unsubscribe(topics) }
    }

    func ssubscribe(_ topics: [String]) async throws {
        sharded.formUnion(topics)
        try await place(topics)
    }

    func sunsubscribe(_ topics: [String]) async {
        sharded.subtract(topics)
        for topic in topics {
            guard let owner = placed.removeValue(forKey: topic), let subscriber = shards[owner]?.subscriber else { continue }
            try? await subscriber.sunsubscribe([topic])
        }
    }

    /// Subscribes each topic on its slot's master, moving it off its old one.
    private func place(_ topics: [String]) async throws {
        var failure: (any Error)?
        for topic in topics where sharded.contains(topic) {
            guard let owner = topology?.master(for: RedisClusterSlot.slot(of: topic)), let subscriber = shards[owner]?.subscriber else {
                failure = failure ?? RedisError.notConnected
                continue
            }
            if let old = placed[topic], old != owner, let previous = shards[old]?.subscriber {
                try? await previous.sunsubscribe([topic])
            }
            placed[topic] = owner
            do {
                try await subscriber.ssubscribe([topic])
            } catch let error as RedisError {
                if error.redirection != nil {
                    // MOVED: the map we placed by is behind (mid-resharding the nodes
                    // disagree for a moment). Forget this placement and try again soon.
                    placed[topic] = nil
                    try? await subscriber.sunsubscribe([topic])
                    retrySoon()
                }
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// A master dropped `topic` (its slot moved): subscribe it where it lives now.
    func shardChannelDropped(_ topic: String) async {
        placed[topic] = nil
        _ = try? await client.refresh()
        await syncTopology()
        try? await place([topic])
    }

    /// Places, after a short pause and a fresh map, every desired topic not placed.
    private func retrySoon() {
        guard !retryScheduled else { return }
        retryScheduled = true
        Task {
            try? await Task.sleep(for: .milliseconds(250))
            await self.retryUnplaced()
        }
    }

    private func retryUnplaced() async {
        retryScheduled = false
        guard !isStopped else { return }
        _ = try? await client.refresh()
        await syncTopology()
        try? await place(sharded.filter { placed[$0] == nil })
    }

    /// Adopts the client's current map when it differs from the one placed by.
    private func syncTopology() async {
        if let latest = try? await client.currentTopology(), latest != topology { await topologyChanged(latest) }
    }

    func topologyChanged(_ topology: RedisClusterTopology) async {
        guard !isStopped else { return }
        self.topology = topology
        for (endpoint, shard) in shards where !topology.masters.contains(endpoint) {
            shards[endpoint] = nil
            placed = placed.filter { $0.value != endpoint }
            if home == endpoint { home = nil }
            await shard.subscriber.stop()
        }
        for master in topology.masters where shards[master] == nil {
            shards[master] = (nextGeneration(), makeSubscriber(for: master))
        }
        status.mastersChanged(shards.mapValues(\.generation), complete: topology.isComplete)
        for (_, shard) in shards { shard.subscriber.start() }

        let newHome = topology.master(for: Self.homeSlot)
        if newHome != home, !plain.isEmpty {
            if let home, let old = shards[home]?.subscriber { try? await old.unsubscribe(Array(plain)) }
            if let newHome, let subscriber = shards[newHome]?.subscriber { try? await subscriber.subscribe(Array(plain)) }
        }
        home = newHome
        try? await place(Array(sharded.filter { placed[$0] != topology.master(for: RedisClusterSlot.slot(of: $0)) }))
    }

    func stop() async {
        isStopped = true
        let all = shards.values.map(\.subscriber)
        shards = [:]
        for subscriber in all { await subscriber.stop() }
    }

    private func nextGeneration() -> Int {
        generation += 1
        return generation
    }

    private func makeSubscriber(for master: RedisEndpoint) -> RedisSubscriber {
        var node = configuration
        node.clusterSeeds = nil
        node.host = master.host
        node.port = master.port
        let generation = self.generation
        let status = self.status
        // Global topics are desired wherever home is; a fresh home subscriber gets them.
        let subscriber = RedisSubscriber(
            configuration: node, eventLoopGroup: eventLoopGroup, logger: logger, probeInterval: probeInterval,
            onMessage: onMessage,
            onStateChange: { state in status.shardChanged(master, generation: generation, to: state) },
            onShardChannelDropped: { [weak self] topic in
                guard let self else { return }
                Task { await self.shardChannelDropped(topic) }
            })
        return subscriber
    }
}
