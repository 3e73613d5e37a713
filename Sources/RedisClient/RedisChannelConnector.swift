import Logging
import NIOCore
import NIOPosix

/// Opens the TCP channel (with TLS below the Redis handler for `rediss://`) shared
/// by `RedisConnection` and `RedisSubscriber`.
enum RedisChannelConnector {
    /// A bootstrap whose channels get a fresh `Handler` as their only handler.
    ///
    /// The handler is created inside the channel initializer, i.e. once per
    /// attempted channel: the bootstrap may try several resolved addresses
    /// ("localhost" gives ::1 and 127.0.0.1), and a handler must never be
    /// shared between two channels.
    static func bootstrap<Handler: ChannelHandler & SendableMetatype>(
        configuration: RedisConfiguration,
        endpoint: RedisEndpoint,
        eventLoop: any EventLoop,
        makeHandler: @escaping @Sendable () -> Handler
    ) -> ClientBootstrap {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = configuration.tls {
                        try channel.pipeline.syncOperations.addHandler(try tls.makeHandler(host: endpoint.host))
                    }
                    try channel.pipeline.syncOperations.addHandler(makeHandler())
                }
            }
    }

    /// Connects and returns the channel with its handler, bound to the
    /// channel's event loop.
    static func connect<Handler: ChannelHandler & SendableMetatype>(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        makeHandler: @escaping @Sendable () -> Handler
    ) async throws(RedisError) -> (any Channel, NIOLoopBound<Handler>) {
        do {
            return try await self.connectReportingCause(configuration: configuration, eventLoop: eventLoop, makeHandler: makeHandler)
        } catch {
            // Callers only need "Redis is unreachable"; the cause goes to the log.
            logger.debug(
                "Redis connect failed",
                metadata: ["endpoint": "\(configuration.endpointDescription)", "error": "\(error)"]
            )
            throw .notConnected
        }
    }

    /// Like `connect`, but throws NIO's own error, for diagnosing a first connection.
    static func connectReportingCause<Handler: ChannelHandler & SendableMetatype>(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        makeHandler: @escaping @Sendable () -> Handler
    ) async throws -> (any Channel, NIOLoopBound<Handler>) {
        let endpoint = try await configuration.currentEndpoint(logger: Logger(label: "redis.connector"))
        let bootstrap = self.bootstrap(configuration: configuration, endpoint: endpoint, eventLoop: eventLoop, makeHandler: makeHandler)
        let channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: Handler.self), eventLoop: channel.eventLoop)
        }.get()
        return (channel, handler)
    }
}
