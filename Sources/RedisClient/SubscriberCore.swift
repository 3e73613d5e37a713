import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The subscriber's state machine. It lives on one event loop, which also
/// owns every connection it opens, so the desired subscriptions, the live
/// connection and the commands written to it change together, in one order,
/// without locks.
final class SubscriberCore {
    private let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let logger: Logger
    private let probeInterval: TimeAmount
    private let onMessage: @Sendable (RedisPubSubMessage) -> Void
    private let onStateChange: @Sendable (RedisSubscriberState) -> Void
    private let onShardChannelDropped: @Sendable (String) -> Void
    /// Mirror of `state` readable from any thread.
    private let publishedState: NIOLockedValueBox<RedisSubscriberState>

    private var channels: Set<String> = []
    private var patterns: Set<String> = []
    /// Sharded pub/sub channels (SSUBSCRIBE), each subscribed with its own command:
    /// one command may only name channels of one slot.
    private var shardChannels: Set<String> = []
    private var connection: (channel: any Channel, handler: PubSubHandler)?
    private var state: RedisSubscriberState = .disconnected
    private var isStarted = false
    private var isStopped = false
    private var reconnectTimer: Scheduled<Void>?
    private var backoff = SubscriberCore.initialBackoff
    private let waiters: ConnectionWaiters

    static let initialBackoff = TimeAmount.milliseconds(100)
    // Kept short: while the subscriber is away, messages other edges publish to its
    // channels reach nobody, so it must come back as soon as Redis does.
    static let maximumBackoff = TimeAmount.milliseconds(500)

    init(
        eventLoop: any EventLoop,
        configuration: RedisConfiguration,
        logger: Logger,
        probeInterval: TimeAmount,
        publishedState: NIOLockedValueBox<RedisSubscriberState>,
        onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void,
        onStateChange: @escaping @Sendable (RedisSubscriberState) -> Void,
        onShardChannelDropped: @escaping @Sendable (String) -> Void
    ) {
        self.onShardChannelDropped = onShardChannelDropped
        self.eventLoop = eventLoop
        self.waiters = ConnectionWaiters(eventLoop: eventLoop)
        self.configuration = configuration
        self.logger = logger
        self.probeInterval = probeInterval
        self.publishedState = publishedState
        self.onMessage = onMessage
        self.onStateChange = onStateChange
    }

    // MARK: Connection lifecycle

    func start() {
        guard !self.isStarted, !self.isStopped else {
            return
        }
        self.isStarted = true
        self.report(.connecting)
        self.connect()
    }

    private func connect() {
        self.reconnectTimer = nil
        guard !self.isStopped else {
            return
        }
        let probeInterval = self.probeInterval
        let logger = self.logger
        let onMessage = self.onMessage
        let onShardChannelDropped = self.onShardChannelDropped
        let configuration = self.configuration
        let eventLoop = self.eventLoop
        // Asks the endpoint resolver (Sentinel) on every attempt, so a reconnect
        // after a failover goes to the new master.
        let attempt = eventLoop.makePromise(of: (any Channel).self)
        attempt.completeWithTask {
            let (channel, _) = try await RedisChannelConnector.connectReportingCause(
                configuration: configuration, eventLoop: eventLoop
            ) {
                PubSubHandler(
                    probeInterval: probeInterval, logger: logger, onMessage: onMessage, onShardChannelDropped: onShardChannelDropped)
            }
            return channel
        }
        attempt.futureResult
            .hop(to: self.eventLoop)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.connected(channel)
                case .failure(let error):
                    self.logger.debug("Redis subscriber connect failed", metadata: ["error": "\(error)"])
                    self.report(.disconnected)
                    self.scheduleReconnect()
                }
            }
    }

    private func connected(_ channel: any Channel) {
        guard !self.isStopped else {
            channel.close(promise: nil)
            return
        }
        guard let handler = try? channel.pipeline.syncOperations.handler(type: PubSubHandler.self) else {
            channel.close(promise: nil)
            self.scheduleReconnect()
            return
        }
        self.connection = (channel, handler)
        channel.closeFuture.assumeIsolated().whenComplete { _ in
            self.connectionClosed(channel)
        }
        self.restoreSession(on: handler, channel: channel)
    }

    /// AUTH, then everything in the desired sets, all written at once. The
    /// connection only counts as connected once Redis confirmed it all; any
    /// failure closes it, which leads to the usual reconnect.
    private func restoreSession(on handler: PubSubHandler, channel: any Channel) {
        let handshake = RedisHandshake.commands(for: self.configuration, selectDatabase: false)
        var outstanding = handshake.count + 2
        var failed = false
        let stepDone: (RedisError?) -> Void = { error in
            guard !failed else {
                return
            }
            if let error {
                failed = true
                self.logger.warning("Redis subscriber could not restore its session", metadata: ["error": "\(error)"])
                channel.close(promise: nil)
                return
            }
            outstanding -= 1
            if outstanding == 0, self.connection?.channel === channel {
                self.backoff = Self.initialBackoff
                self.report(.connected)
            }
        }
        for command in handshake {
            handler.send(command) { result in
                switch result {
                case .success(.error(let message)):
                    stepDone(.server(message))
                case .success:
                    stepDone(nil)
                case .failure(let error):
                    stepDone(error)
                }
            }
        }
        handler.change(.subscribe, Array(self.channels), completion: stepDone)
        handler.change(.psubscribe, Array(self.patterns), completion: stepDone)
        // A shard channel refused here (MOVED: its slot is elsewhere now) must not
        // fail the session: it is handed back, to be subscribed where it lives.
        for name in self.shardChannels {
            outstanding += 1
            handler.change(.ssubscribe, [name]) { error in
                if case .server = error {
                    self.shardChannels.remove(name)
                    self.onShardChannelDropped(name)
                    stepDone(nil)
                } else {
                    stepDone(error)
                }
            }
        }
    }

    private func connectionClosed(_ channel: any Channel) {
        guard let connection = self.connection, connection.channel === channel else {
            return
        }
        self.connection = nil
        self.report(.disconnected)
        self.scheduleReconnect()
    }

    /// Exponential backoff, 100 ms doubling to 500 ms, reset once connected.
    private func scheduleReconnect() {
        guard !self.isStopped, self.reconnectTimer == nil else {
            return
        }
        let delay = self.backoff
        self.backoff = min(self.backoff * 2, Self.maximumBackoff)
        self.reconnectTimer = self.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            self.connect()
        }
    }

    /// The endpoint moved: close the connection, which leads to the usual reconnect.
    func endpointMoved() {
        self.connection?.channel.close(promise: nil)
    }

    func stop() -> EventLoopFuture<Void> {
        self.isStopped = true
        self.reconnectTimer?.cancel()
        self.reconnectTimer = nil
        self.waiters.failAll(.notConnected)
        let closed: EventLoopFuture<Void>
        if let connection = self.connection {
            self.connection = nil
            connection.channel.close(promise: nil)
            closed = connection.channel.closeFuture
        } else {
            closed = self.eventLoop.makeSucceededVoidFuture()
        }
        self.report(.disconnected)
        return closed
    }

    private func report(_ newState: RedisSubscriberState) {
        guard newState != self.state else {
            return
        }
        self.state = newState
        self.publishedState.withLockedValue { $0 = newState }
        // Callback first: whoever is woken by waitUntilConnected then already
        // sees the transition reported.
        self.onStateChange(newState)
        if newState == .connected {
            self.waiters.resumeAll()
        }
    }

    func waitUntilConnected(timeout: TimeAmount, continuation: UnsafeContinuation<Void, any Error>) {
        if self.state == .connected {
            continuation.resume()
            return
        }
        if self.isStopped {
            continuation.resume(throwing: RedisError.notConnected)
            return
        }
        self.waiters.add(continuation, timeout: timeout)
    }

    // MARK: Desired subscriptions

    /// Adds to the desired set first, so the names survive a failure here and
    /// are subscribed after the next reconnect.
    func add(_ kind: SubscriptionChange.Kind, _ names: [String], continuation: UnsafeContinuation<Void, any Error>) {
        switch kind {
        case .subscribe:
            self.channels.formUnion(names)
        case .psubscribe:
            self.patterns.formUnion(names)
        case .ssubscribe:
            self.shardChannels.formUnion(names)
        case .unsubscribe, .punsubscribe, .sunsubscribe:
            preconditionFailure("add() takes subscribe kinds only")
        }
        guard let connection = self.connection else {
            continuation.resume(throwing: RedisError.notConnected)
            return
        }
        self.change(kind, names, on: connection.handler) { error in
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume()
            }
        }
    }

    /// Sends the change; sharded kinds go one channel per command, and the
    /// completion runs once, with the first error if any.
    private func change(
        _ kind: SubscriptionChange.Kind, _ names: [String], on handler: PubSubHandler, completion: @escaping (RedisError?) -> Void
    ) {
        guard kind == .ssubscribe || kind == .sunsubscribe, names.count > 1 else {
            handler.change(kind, names, completion: completion)
            return
        }
        var remaining = names.count
        var firstError: RedisError?
        for name in names {
            handler.change(kind, [name]) { error in
                firstError = firstError ?? error
                remaining -= 1
                if remaining == 0 { completion(firstError) }
            }
        }
    }

    /// Removes from the desired set; telling Redis is best effort, since a
    /// reconnect would drop the subscription anyway.
    func remove(_ kind: SubscriptionChange.Kind, _ names: [String], continuation: UnsafeContinuation<Void, any Error>) {
        switch kind {
        case .unsubscribe:
            self.channels.subtract(names)
        case .punsubscribe:
            self.patterns.subtract(names)
        case .sunsubscribe:
            self.shardChannels.subtract(names)
        case .subscribe, .psubscribe, .ssubscribe:
            preconditionFailure("remove() takes unsubscribe kinds only")
        }
        guard let connection = self.connection else {
            continuation.resume()
            return
        }
        self.change(kind, names, on: connection.handler) { error in
            switch error {
            case .server(let message)?:
                continuation.resume(throwing: RedisError.server(message))
            default:
                continuation.resume()
            }
        }
    }
}
