import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A small pool of pipelined connections used round-robin.
///
/// Connections are opened lazily and a dead one is replaced on next use.
/// While Redis is down every slot backs off after a failed attempt, so callers
/// get `.notConnected` immediately instead of queueing behind doomed connects.
/// Call `close()` when done; open connections are not closed implicitly.
public final class RedisConnectionPool: Sendable {
    private let configuration: RedisConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let slots: NIOLockedValueBox<PoolSlots>
    private let endpointWatch: NIOLockedValueBox<RedisEndpointWatch?>
    /// Set for a `redis-cluster://` configuration: every command is routed by slot to
    /// the owning master's own pool instead (one branch here; nothing more for one Redis).
    public let cluster: RedisClusterClient?

    public init(configuration: RedisConfiguration, size: Int = 4, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        precondition(size > 0, "a pool needs at least one connection")
        self.cluster =
            configuration.isCluster
            ? RedisClusterClient(configuration: configuration, poolSize: size, eventLoopGroup: eventLoopGroup, logger: logger) : nil
        // Re-reads the slot map every few seconds, so a failover is noticed even when idle.
        self.cluster?.start()
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let slots = NIOLockedValueBox(PoolSlots(size: size))
        self.slots = slots
        // A moved endpoint (Sentinel failover) closes every connection to the old one;
        // commands in flight there fail, and the next ones connect to the new one.
        self.endpointWatch = NIOLockedValueBox(
            configuration.endpointResolver?.watch {
                let stale = slots.withLockedValue { $0.takeConnections() }
                Task {
                    for connection in stale { await connection.close() }
                }
            })
    }

    /// Sends one command on the next connection. Error replies are thrown as
    /// `RedisError.server`.
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        if let cluster { return try await cluster.send(command) }
        return try await self.withRetryIfUnsent { connection in
            try await connection.send(command)
        }
    }

    /// Sends all commands on one connection in one write; see
    /// `RedisConnection.pipeline`.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        if let cluster { return try await cluster.pipeline(commands) }
        return try await self.withRetryIfUnsent { connection in
            try await connection.pipeline(commands)
        }
    }

    /// Runs a Lua script by its SHA1. If the server does not know it
    /// (NOSCRIPT: restarted, or SCRIPT FLUSH), loads it and retries once, in
    /// one pipelined round trip on the same connection.
    public func run(_ script: RedisScript, keys: [RedisArgument], args: [RedisArgument]) async throws -> RESPValue {
        if let cluster { return try await cluster.run(script, keys: keys, args: args) }
        return try await self.runScript(script, keys: keys, args: args, asking: false)
    }

    /// `run` on this pool's own node. `asking` prefixes `ASKING` (a cluster's ASK
    /// redirection) and sends the whole source with EVAL, since the node asked may
    /// not know the script and the pair must stay back to back.
    func runScript(_ script: RedisScript, keys: [RedisArgument], args: [RedisArgument], asking: Bool) async throws -> RESPValue {
        if asking {
            var command = script.evalSHACommand(keys: keys, args: args)
            command.name = "EVAL"
            command.arguments[0] = .string(script.source)
            let reply = try await self.pipeline([RedisCommand("ASKING"), command])[1]
            if case .error(let message) = reply { throw RedisError.server(message) }
            return reply
        }
        let evalSHA = script.evalSHACommand(keys: keys, args: args)
        return try await self.withRetryIfUnsent { connection in
            do {
                return try await connection.send(evalSHA)
            } catch let error as RedisError where error.isNoScript {
                self.logger.debug("Loading Redis script", metadata: ["sha1": "\(script.sha1)"])
                let replies = try await connection.pipeline([script.loadCommand, evalSHA])
                for reply in replies {
                    if case .error(let message) = reply {
                        throw RedisError.server(message)
                    }
                }
                return replies[1]
            }
        }
    }

    /// `send` on this pool's own node, handing an error reply back as a value.
    func sendReturningErrors(_ command: RedisCommand) async throws -> RESPValue {
        try await self.withRetryIfUnsent { connection in
            try await connection.pipeline([command])[0]
        }
    }

    /// Closes every connection; later calls fail with `.notConnected`.
    public func close() async {
        await cluster?.close()
        self.endpointWatch.withLockedValue { watch in
            watch?.cancel()
            watch = nil
        }
        let (connections, attempts) = self.slots.withLockedValue { $0.close() }
        for attempt in attempts {
            attempt.cancel()
        }
        for connection in connections {
            await connection.close()
        }
    }

    /// `.notConnected` from a connection means the command never left this
    /// process (the connection died just before), so trying once more on
    /// another connection cannot execute it twice.
    private func withRetryIfUnsent<Result>(
        _ body: (RedisConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await body(try await self.leaseConnection())
        } catch RedisError.notConnected {
            return try await body(try await self.leaseConnection())
        }
    }

    /// One of the pool's connections, for a caller that needs a run of commands on
    /// the same connection (Redis runs one connection's commands in order). It stays
    /// the pool's: do not close it; lease again once it is no longer `isActive`.
    /// On a Redis Cluster, ask `cluster.pinnedConnection(forKey:)` instead: a
    /// connection serves one shard.
    public func pinnedConnection() async throws -> RedisConnection {
        try await self.leaseConnection()
    }

    private func leaseConnection() async throws -> RedisConnection {
        let decision = self.slots.withLockedValue { slots in
            slots.lease { index in
                self.makeConnectAttempt(slot: index)
            }
        }
        switch decision {
        case .use(let connection):
            return connection
        case .wait(let attempt):
            return try await attempt.value
        case .fail:
            throw RedisError.notConnected
        }
    }

    /// Starts connecting a slot in the background; the pool state is updated
    /// when it finishes, whether or not anybody waits for it.
    private func makeConnectAttempt(slot index: Int) -> Task<RedisConnection, any Error> {
        Task {
            do {
                let connection = try await RedisConnection.connect(
                    configuration: self.configuration,
                    eventLoop: self.eventLoopGroup.next(),
                    logger: self.logger
                )
                let keep = self.slots.withLockedValue { $0.connected(slot: index, connection) }
                guard keep else {
                    // The pool was closed while we were connecting.
                    await connection.close()
                    throw RedisError.notConnected
                }
                return connection
            } catch {
                let delay = self.slots.withLockedValue { $0.failed(slot: index, now: .now()) }
                self.logger.debug(
                    "Redis pool connect failed",
                    metadata: ["slot": "\(index)", "retryIn": "\(delay)", "error": "\(error)"]
                )
                throw error
            }
        }
    }
}
