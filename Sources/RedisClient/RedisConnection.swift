import Logging
import NIOCore

/// One connection, pipelined: many commands in flight, replies matched in
/// FIFO order. AUTH and SELECT are sent right after connecting.
/// The socket stays open until `close()` or until Redis drops it.
public final class RedisConnection: Sendable {
    /// The event loop that owns the socket and the protocol state.
    public let eventLoop: any EventLoop
    private let channel: any Channel
    let handler: NIOLoopBound<RedisCommandHandler>
    private let logger: Logger

    init(channel: any Channel, handler: NIOLoopBound<RedisCommandHandler>, logger: Logger) {
        self.eventLoop = channel.eventLoop
        self.channel = channel
        self.handler = handler
        self.logger = logger
    }

    /// Connects and authenticates. Throws `.notConnected` when Redis is
    /// unreachable and `.server` when AUTH or SELECT is refused.
    public static func connect(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger
    ) async throws -> RedisConnection {
        let commandTimeout = TimeAmount(configuration.commandTimeout)
        let (channel, handler) = try await RedisChannelConnector.connect(
            configuration: configuration,
            eventLoop: eventLoop,
            logger: logger
        ) {
            RedisCommandHandler(commandTimeout: commandTimeout, logger: logger, roundTripObserver: configuration.roundTripObserver)
        }
        let connection = RedisConnection(channel: channel, handler: handler, logger: logger)
        do {
            try await connection.pipeline(RedisHandshake.commands(for: configuration)).forEach { reply in
                if case .error(let message) = reply {
                    throw RedisError.server(message)
                }
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    /// Sends one command and waits for its reply.
    /// An error reply is thrown as `RedisError.server`.
    public func send(_ command: RedisCommand) async throws -> RESPValue {
        let handler = self.handler
        let reply: RESPValue = try await withUnsafeThrowingContinuation { continuation in
            if handler.eventLoop.inEventLoop {
                handler.value.enqueue(command, continuation: continuation)
            } else {
                handler.eventLoop.execute {
                    handler.value.enqueue(command, continuation: continuation)
                }
            }
        }
        if case .error(let message) = reply {
            throw RedisError.server(message)
        }
        return reply
    }

    /// Queues one command now and returns its reply's future. Commands queued this
    /// way from one thread reach Redis in the order of the calls, which the async
    /// `send` cannot promise (its caller may hop executors before it runs). An error
    /// reply succeeds the future with `.error`.
    public func enqueue(_ command: RedisCommand) -> EventLoopFuture<RESPValue> {
        let handler = self.handler
        let promise = handler.eventLoop.makePromise(of: RESPValue.self)
        if handler.eventLoop.inEventLoop {
            handler.value.enqueue(command, promise: promise)
        } else {
            handler.eventLoop.execute {
                handler.value.enqueue(command, promise: promise)
            }
        }
        return promise.futureResult
    }

    /// Sends all commands in one write and returns their replies in order.
    /// Error replies are returned as `.error` values, not thrown, so one
    /// failing command does not hide the others' results.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RESPValue] {
        let handler = self.handler
        return try await withUnsafeThrowingContinuation { continuation in
            if handler.eventLoop.inEventLoop {
                handler.value.enqueue(commands, continuation: continuation)
            } else {
                handler.eventLoop.execute {
                    handler.value.enqueue(commands, continuation: continuation)
                }
            }
        }
    }

    /// False once the socket is closed, by either side.
    public var isActive: Bool {
        self.channel.isActive
    }

    /// Closes the socket; commands still in flight fail with `.connectionClosed`.
    public func close() async {
        do {
            try await self.channel.close().get()
        } catch {
            // Already closed: nothing left to do.
        }
    }
}
