import Logging
import NIOCore

extension RedisConnection {
    /// Opens one connection, authenticates, runs `commands` (PING by default) and
    /// closes it, turning any failure into a `RedisConnectError` an operator can act
    /// on. Processes call this once at startup, so a wrong password or a missing CA
    /// is a clear error within seconds instead of retries ending in a timeout.
    public static func check(
        configuration: RedisConfiguration,
        eventLoop: any EventLoop,
        logger: Logger,
        commands: [RedisCommand] = [RedisCommand("PING")]
    ) async throws(RedisConnectError) {
        let endpoint = configuration.endpointDescription
        let commandTimeout = TimeAmount(configuration.commandTimeout)
        let opened: (any Channel, NIOLoopBound<RedisCommandHandler>)
        do {
            opened = try await RedisChannelConnector.connectReportingCause(
                configuration: configuration, eventLoop: eventLoop
            ) {
                RedisCommandHandler(commandTimeout: commandTimeout, logger: logger)
            }
        } catch let error as RedisConnectError {
            throw error
        } catch {
            throw .unreachable(endpoint: endpoint, cause: "\(error)")
        }
        let connection = RedisConnection(channel: opened.0, handler: opened.1, logger: logger)
        defer { Task { await connection.close() } }
        let handshake = RedisHandshake.commands(for: configuration)
        let replies: [RESPValue]
        do {
            replies = try await connection.pipeline(handshake + commands)
        } catch {
            throw await connection.transportFailure(endpoint: endpoint, fallback: error)
        }
        // NOAUTH comes on the first command when no password was given at all.
        for case .error(let message) in replies {
            throw RedisConnectError.handshakeReply(message, endpoint: endpoint)
        }
    }

    /// The transport error behind a failed first command: a TLS failure is named as
    /// such. Connected, then reset or hung up on without a word is what a TLS-only
    /// port does with plain text; retrying would not help, so it is a refusal.
    private func transportFailure(endpoint: String, fallback: any Error) async -> RedisConnectError {
        if case RedisError.timeout = fallback {
            return .unreachable(endpoint: endpoint, cause: "connected, but no reply in time")
        }
        let handler = self.handler
        let recorded = try? await handler.eventLoop.submit { handler.value.firstError.map { "\($0)" } }.get()
        let cause = (recorded ?? nil) ?? "\(fallback)"
        if cause.contains("SSL") || cause.contains("TLS") || cause.contains("handshake") {
            return .tls(endpoint: endpoint, cause: cause)
        }
        return .refused(endpoint: endpoint, reply: "the connection closed before any reply (\(cause)); a TLS-only port needs rediss://")
    }
}

extension RedisConfiguration {
    /// "host:port" for messages (IPv6 in brackets), or what a resolver names;
    /// never credentials.
    public var endpointDescription: String {
        endpointResolver?.description ?? RedisEndpoint(host: host, port: port).description
    }
}
