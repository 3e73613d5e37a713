import Logging
import NIOCore
import NIOPosix

/// Opens the TCP channel shared by `RedisConnection` and `RedisSubscriber`.
enum RedisChannelConnector {
    /// A bootstrap whose channels get a fresh `Handler` as their only handler.
    ///
    /// The handler is created inside the channel initializer, i.e. once per
    /// attempted channel: the bootstrap may try several resolved addresses
    /// ("localhost" gives ::1 and 127.0.0.1), and a handler must never be
    /// shared between two channels.
    static func bootstrap<Handler: ChannelHandler & SendableMetatype>(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        makeHandler: @escaping @Sendable () -> Handler
    ) -> ClientBootstrap {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
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
        let bootstrap = self.bootstrap(configuration: configuration, eventLoop: eventLoop, makeHandler: makeHandler)
        do {
            let channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: Handler.self), eventLoop: channel.eventLoop)
            }.get()
            return (channel, handler)
        } catch {
            // Callers only need "Redis is unreachable"; the cause goes to the log.
            logger.debug(
                "Redis connect failed",
                metadata: ["host": "\(configuration.host)", "port": "\(configuration.port)", "error": "\(error)"]
            )
            throw .notConnected
        }
    }
}
