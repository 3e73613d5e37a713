import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The pub/sub connection.
///
/// Keeps the desired set of channels and patterns and (re)connects with
/// exponential backoff (100 ms doubling to 500 ms), resubscribing everything
/// after a reconnect before reporting `.connected`. A PING probe every
/// `probeInterval` (answered within one interval, or the connection is
/// declared dead, closed and replaced) catches connections that died
/// silently. Reference counting of topics is the caller's job.
///
/// `onMessage` runs on the connection's event loop, in arrival order: keep it
/// cheap and hop elsewhere for real work. `onStateChange` runs there too,
/// in order. Call `stop()` when done: the reconnect loop keeps the subscriber
/// alive otherwise.
public final class RedisSubscriber: Sendable {
    private let eventLoop: any EventLoop
    private let core: NIOLoopBoundBox<SubscriberCore>
    private let publishedState: NIOLockedValueBox<RedisSubscriberState>
    private let endpointWatch: NIOLockedValueBox<RedisEndpointWatch?>

    public init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        probeInterval: Duration = .seconds(1),
        onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void,
        onStateChange: @escaping @Sendable (RedisSubscriberState) -> Void,
        onShardChannelDropped: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        // One loop for the subscriber's whole life: its state machine and
        // every connection it opens share it.
        let eventLoop = eventLoopGroup.next()
        let publishedState = NIOLockedValueBox(RedisSubscriberState.disconnected)
        let core = SubscriberCore(
            eventLoop: eventLoop,
            configuration: configuration,
            logger: logger,
            probeInterval: TimeAmount(probeInterval),
            publishedState: publishedState,
            onMessage: onMessage,
            onStateChange: onStateChange,
            onShardChannelDropped: onShardChannelDropped
        )
        self.eventLoop = eventLoop
        self.publishedState = publishedState
        let box = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: eventLoop)
        self.core = box
        // A moved endpoint (Sentinel failover): drop the connection; the usual
        // reconnect resolves the new one and resubscribes everything there.
        self.endpointWatch = NIOLockedValueBox(
            configuration.endpointResolver?.watch {
                eventLoop.execute { box.value.endpointMoved() }
            })
    }

    /// Begins connecting in the background and returns at once.
    public func start() {
        let core = self.core
        self.eventLoop.execute {
            core.value.start()
        }
    }

    /// Returns once connected and resubscribed; throws `.timeout` otherwise.
    public func waitUntilConnected(timeout: Duration) async throws {
        let core = self.core
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            self.eventLoop.execute {
                core.value.waitUntilConnected(timeout: TimeAmount(timeout), continuation: continuation)
            }
        }
    }

    /// Adds channels to the desired set and returns when Redis confirmed
    /// them. While disconnected it throws `.notConnected`, but the channels
    /// stay desired and are subscribed on reconnect.
    public func subscribe(_ topics: [String]) async throws {
        try await self.add(.subscribe, topics)
    }

    /// Removes channels from the desired set; best effort while disconnected.
    public func unsubscribe(_ topics: [String]) async throws {
        try await self.remove(.unsubscribe, topics)
    }

    /// Like `subscribe`, for sharded channels (`SSUBSCRIBE`, Redis Cluster): the
    /// caller sends them to the master that owns their slot.
    public func ssubscribe(_ topics: [String]) async throws {
        try await self.add(.ssubscribe, topics)
    }

    /// Like `unsubscribe`, for sharded channels.
    public func sunsubscribe(_ topics: [String]) async throws {
        try await self.remove(.sunsubscribe, topics)
    }

    /// Like `subscribe`, for glob-style patterns.
    public func psubscribe(_ patterns: [String]) async throws {
        try await self.add(.psubscribe, patterns)
    }

    /// Like `unsubscribe`, for patterns.
    public func punsubscribe(_ patterns: [String]) async throws {
        try await self.remove(.punsubscribe, patterns)
    }

    public var state: RedisSubscriberState {
        self.publishedState.withLockedValue { $0 }
    }

    /// Stops reconnecting and closes the connection.
    public func stop() async {
        self.endpointWatch.withLockedValue { watch in
            watch?.cancel()
            watch = nil
        }
        let core = self.core
        do {
            try await self.eventLoop.flatSubmit {
                core.value.stop()
            }.get()
        } catch {
            // The connection was already gone.
        }
    }

    private func add(_ kind: SubscriptionChange.Kind, _ names: [String]) async throws {
        let core = self.core
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            self.eventLoop.execute {
                core.value.add(kind, names, continuation: continuation)
            }
        }
    }

    private func remove(_ kind: SubscriptionChange.Kind, _ names: [String]) async throws {
        let core = self.core
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            self.eventLoop.execute {
                core.value.remove(kind, names, continuation: continuation)
            }
        }
    }
}
