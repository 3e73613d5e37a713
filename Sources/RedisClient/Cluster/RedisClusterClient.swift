import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Commands to a Redis Cluster: each goes to the master that owns its key's slot, on
/// that master's own pipelined pool, so pipelining is kept per shard.
///
/// The slot map comes from `CLUSTER SHARDS` (or `CLUSTER SLOTS` on older servers),
/// asked of the known masters and the seed nodes. It is refreshed every few seconds,
/// at once after a `MOVED`, and after a connection to a master fails (a failover
/// promotes a replica on another address). `ASK` is followed once with `ASKING`.
/// While a shard has no master, its commands fail with `.notConnected`: a publish is
/// refused, never acked and lost.
public final class RedisClusterClient: Sendable {
    private struct State {
        var topology: RedisClusterTopology?
        /// The last map the watchers were told of: `topology` may already hold a
        /// MOVED's news, which must not hide the full map's change from them.
        var announced: RedisClusterTopology?
        var pools: [RedisEndpoint: RedisConnectionPool] = [:]
        var refreshing: Task<RedisClusterTopology, any Error>?
        var lastRefresh: ContinuousClock.Instant?
        var watchers: [Int: @Sendable (RedisClusterTopology) -> Void] = [:]
        var nextWatcher = 0
        var closed = false
    }

    private let configuration: RedisConfiguration
    private let seeds: [RedisEndpoint]
    private let poolSize: Int
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    private let ticker = NIOLockedValueBox<Task<Void, Never>?>(nil)

    /// How often the map is re-read even when nothing went wrong.
    static let refreshInterval: Duration = .seconds(2)
    /// Redirections followed for one command before giving up.
    static let maximumRedirections = 5

    public init(configuration: RedisConfiguration, poolSize: Int, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        precondition(configuration.isCluster, "a cluster client needs redis-cluster:// seeds")
        self.configuration = configuration
        self.seeds = configuration.clusterSeeds ?? []
        self.poolSize = poolSize
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    // MARK: Commands

    public func send(_ command: RedisCommand) async throws -> RESPValue {
        let reply = try await self.execute(command, slot: RedisClusterKey.slot(of: command))
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Splits the commands by shard, sends each shard's part as one pipeline (all
    /// shards at once), and returns the replies in the commands' order. Commands of
    /// one shard keep their relative order; a redirected one is resent on its own.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        let topology = try await self.currentTopology()
        var groups: [RedisEndpoint: [Int]] = [:]
        var unrouted: [Int] = []
        for (index, command) in commands.enumerated() {
            let slot = RedisClusterKey.slot(of: command) ?? 0
            if let master = topology.master(for: slot) { groups[master, default: []].append(index) } else { unrouted.append(index) }
        }
        var replies = [RESPValue](repeating: .error("CLUSTERDOWN no master for the slot"), count: commands.count)
        if !unrouted.isEmpty { self.refreshSoon() }
        try await withThrowingTaskGroup(of: ([Int], [RESPValue]).self) { group in
            for (master, indices) in groups {
                let pool = self.pool(for: master)
                group.addTask {
                    do {
                        return (indices, try await pool.pipeline(indices.map { commands[$0] }))
                    } catch {
                        self.connectionFailed(error)
                        throw error
                    }
                }
            }
            for try await (indices, part) in group {
                for (index, reply) in zip(indices, part) { replies[index] = reply }
            }
        }
        for index in replies.indices {
            if case .error(let message) = replies[index], RedisRedirection(message) != nil {
                replies[index] = try await self.execute(commands[index], slot: RedisClusterKey.slot(of: commands[index]))
            }
        }
        return replies
    }

    /// EVALSHA on the shard of the script's first key, loading the script there first
    /// when that node does not know it yet.
    public func run(_ script: RedisScript, keys: [RedisArgument], args: [RedisArgument]) async throws -> RESPValue {
        let slot = keys.first.map(RedisClusterKey.slot(of:))
        var redirections = 0
        var target = try await self.master(for: slot)
        var asking = false
        while true {
            let pool = self.pool(for: target)
            let reply: RESPValue
            do {
                reply = try await pool.runScript(script, keys: keys, args: args, asking: asking)
            } catch let error as RedisError {
                guard let redirection = error.redirection, redirections < Self.maximumRedirections else {
                    self.connectionFailed(error)
                    throw error
                }
                redirections += 1
                target = redirection.endpoint
                asking = self.follow(redirection)
                continue
            }
            return reply
        }
    }

    /// The pool of the master owning `key`'s slot, for callers that pin a connection.
    public func pool(forKey key: String) async throws -> RedisConnectionPool {
        self.pool(for: try await self.master(for: RedisClusterSlot.slot(of: key)))
    }

    /// A connection of the master owning `key`'s slot, for a caller that pipelines a
    /// run of commands there in order (see `RedisConnectionPool.pinnedConnection`).
    public func pinnedConnection(forKey key: String) async throws -> (connection: RedisConnection, master: RedisEndpoint) {
        let master = try await self.master(for: RedisClusterSlot.slot(of: key))
        return (try await self.pool(for: master).pinnedConnection(), master)
    }

    /// The master owning `key`'s slot in the current map, without waiting for one.
    public func knownMaster(forKey key: String) -> RedisEndpoint? {
        let slot = RedisClusterSlot.slot(of: key)
        return self.state.withLockedValue { $0.topology?.master(for: slot) }
    }

    /// The current masters, for work that must visit every shard (scans, stats).
    public func masters() async throws -> [RedisEndpoint] {
        try await self.currentTopology().masters
    }

    /// Sends `command` to one given master, with no routing (SCAN, INFO).
    public func send(_ command: RedisCommand, to master: RedisEndpoint) async throws -> RESPValue {
        try await self.pool(for: master).send(command)
    }

    /// Calls `onChange` with every new slot map; the returned token unregisters.
    public func watch(_ onChange: @escaping @Sendable (RedisClusterTopology) -> Void) -> RedisEndpointWatch {
        let id = self.state.withLockedValue { state in
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = onChange
            return state.nextWatcher
        }
        return RedisEndpointWatch { [state] in
            _ = state.withLockedValue { $0.watchers.removeValue(forKey: id) }
        }
    }

    /// The map, read now if there is none yet (the first command, or after close).
    public func currentTopology() async throws -> RedisClusterTopology {
        if let topology = self.state.withLockedValue({ $0.topology }) { return topology }
        return try await self.refresh()
    }

    public func close() async {
        self.ticker.withLockedValue { $0?.cancel() }
        let (pools, refreshing) = self.state.withLockedValue { state in
            state.closed = true
            defer { state.pools = [:] }
            return (Array(state.pools.values), state.refreshing)
        }
        refreshing?.cancel()
        for pool in pools { await pool.close() }
    }

    // MARK: Routing

    /// One command with redirections followed; the reply may be an `.error`.
    private func execute(_ command: RedisCommand, slot: Int?) async throws -> RESPValue {
        var target = try await self.master(for: slot)
        var asking = false
        var redirections = 0
        while true {
            let pool = self.pool(for: target)
            let reply: RESPValue
            do {
                reply =
                    asking ? try await pool.pipeline([RedisCommand("ASKING"), command])[1] : try await pool.sendReturningErrors(command)
            } catch {
                self.connectionFailed(error)
                throw error
            }
            guard case .error(let message) = reply, let redirection = RedisRedirection(message),
                redirections < Self.maximumRedirections
            else {
                if case .error(let message) = reply, message.hasPrefix("CLUSTERDOWN") { self.refreshSoon() }
                return reply
            }
            redirections += 1
            target = redirection.endpoint
            asking = self.follow(redirection)
        }
    }

    /// Applies a MOVED to the map (and asks for a full refresh); true for ASK.
    private func follow(_ redirection: RedisRedirection) -> Bool {
        guard redirection.kind == .moved else { return true }
        self.state.withLockedValue { $0.topology?.move(slot: redirection.slot, to: redirection.endpoint) }
        self.refreshSoon()
        return false
    }

    private func master(for slot: Int?) async throws -> RedisEndpoint {
        let topology = try await self.currentTopology()
        // A keyless command goes to any master: the first is as good as another.
        guard let slot else {
            guard let first = topology.masters.first else { throw RedisError.notConnected }
            return first
        }
        guard let master = topology.master(for: slot) else {
            self.refreshSoon()
            throw RedisError.notConnected
        }
        return master
    }

    private func pool(for master: RedisEndpoint) -> RedisConnectionPool {
        self.state.withLockedValue { state in
            if let pool = state.pools[master] { return pool }
            var node = self.configuration
            node.clusterSeeds = nil
            node.host = master.host
            node.port = master.port
            let pool = RedisConnectionPool(
                configuration: node, size: self.poolSize, eventLoopGroup: self.eventLoopGroup, logger: self.logger)
            state.pools[master] = pool
            return pool
        }
    }

    /// A master that stops answering may have failed over: look again.
    private func connectionFailed(_ error: any Error) {
        guard let error = error as? RedisError else { return }
        switch error {
        case .notConnected, .connectionClosed, .timeout: self.refreshSoon()
        case .server(let message) where message.hasPrefix("CLUSTERDOWN") || message.hasPrefix("READONLY"): self.refreshSoon()
        default: break
        }
    }

    // MARK: Topology

    /// Starts the periodic refresh; the first command would read the map anyway.
    public func start() {
        self.ticker.withLockedValue { ticker in
            guard ticker == nil else { return }
            ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.refreshInterval)
                    guard let self else { return }
                    _ = try? await self.refresh()
                }
            }
        }
    }

    /// A refresh in the background, at most one every 100 ms.
    private func refreshSoon() {
        let due = self.state.withLockedValue { state in
            state.refreshing == nil && (state.lastRefresh.map { ContinuousClock.now - $0 > .milliseconds(100) } ?? true)
        }
        if due { Task { _ = try? await self.refresh() } }
    }

    /// Reads the map (one refresh at a time; callers share it), installs it, drops
    /// the pools of nodes that are no longer masters and tells the watchers.
    @discardableResult
    public func refresh() async throws -> RedisClusterTopology {
        let task = self.state.withLockedValue { state -> Task<RedisClusterTopology, any Error> in
            if let running = state.refreshing { return running }
            let candidates = (state.topology?.masters ?? []) + self.seeds
            let task = Task { try await self.readTopology(from: candidates) }
            state.refreshing = task
            return task
        }
        let result = await task.result
        var first = false
        let (stale, watchers, changed) = self.state.withLockedValue { state in
            state.refreshing = nil
            state.lastRefresh = .now
            guard case .success(let topology) = result, !state.closed else {
                return ([RedisConnectionPool](), [@Sendable (RedisClusterTopology) -> Void](), false)
            }
            let changed = state.announced != topology
            first = state.announced == nil
            state.topology = topology
            state.announced = topology
            let gone = state.pools.keys.filter { !topology.masters.contains($0) }
            let stale = gone.compactMap { state.pools.removeValue(forKey: $0) }
            return (stale, Array(state.watchers.values), changed)
        }
        for pool in stale { Task { await pool.close() } }
        let topology = try result.get()
        if changed {
            // The first map is routine; later ones mean a failover or a resharding.
            self.logger.log(
                level: first ? .debug : .notice, "Redis Cluster slot map",
                metadata: ["masters": "\(topology.masters)", "complete": "\(topology.isComplete)"])
            for watcher in watchers { watcher(topology) }
        }
        return topology
    }

    /// Asks each candidate in turn; the first complete answer wins, else the first answer.
    private func readTopology(from candidates: [RedisEndpoint]) async throws -> RedisClusterTopology {
        var partial: RedisClusterTopology?
        var lastError: any Error = RedisError.notConnected
        var seen = Set<RedisEndpoint>()
        for endpoint in candidates where seen.insert(endpoint).inserted {
            do {
                let topology = try await self.readTopology(at: endpoint)
                if topology.isComplete { return topology }
                partial = partial ?? topology
            } catch {
                lastError = error
            }
        }
        if let partial { return partial }
        throw lastError
    }

    private func readTopology(at endpoint: RedisEndpoint) async throws -> RedisClusterTopology {
        var node = self.configuration
        node.clusterSeeds = nil
        node.host = endpoint.host
        node.port = endpoint.port
        node.connectTimeout = .milliseconds(500)
        node.commandTimeout = .seconds(1)
        let connection = try await RedisConnection.connect(configuration: node, eventLoop: self.eventLoopGroup.next(), logger: self.logger)
        defer { Task { await connection.close() } }
        let shards = try await connection.pipeline([RedisCommand("CLUSTER", "SHARDS")])[0]
        if shards.errorMessage == nil, let topology = RedisClusterTopology(shards: shards, tls: self.configuration.tls != nil) {
            return topology
        }
        // Before Redis 7: CLUSTER SLOTS.
        let slots = try await connection.send(RedisCommand("CLUSTER", "SLOTS"))
        guard let topology = RedisClusterTopology(slots: slots) else {
            throw RedisError.protocolError("unexpected CLUSTER SLOTS reply")
        }
        return topology
    }
}
