import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Finds the current master by asking the sentinels (`SENTINEL
/// get-master-addr-by-name`) on every (re)connect, and tells the pools and
/// subscribers that watch it when the sentinels announce `+switch-master`, so
/// they drop their connections to the old master at once (a demoted master that
/// is still alive would otherwise keep them, as a read-only replica).
final class RedisSentinelResolver: RedisEndpointResolver {
    let sentinels: [RedisEndpoint]
    let masterName: String
    /// Password and TLS for talking to the sentinels; host and port set per sentinel.
    let sentinelConfiguration: RedisConfiguration
    private let state = NIOLockedValueBox(State())

    private struct State {
        var watchers: [Int: @Sendable () -> Void] = [:]
        var nextId = 0
        var announcements: RedisSubscriber?
        /// The sentinel that answered last: asked first next time.
        var preferred = 0
    }

    init(sentinels: [RedisEndpoint], masterName: String, sentinelConfiguration: RedisConfiguration) {
        self.sentinels = sentinels
        self.masterName = masterName
        self.sentinelConfiguration = sentinelConfiguration
    }

    var description: String {
        "master \(masterName) via sentinels \(sentinels.map(\.description).joined(separator: ","))"
    }

    func resolve(logger: Logger) async throws -> RedisEndpoint {
        let start = state.withLockedValue { $0.preferred }
        var failures: [String] = []
        for offset in sentinels.indices {
            let index = (start + offset) % sentinels.count
            let sentinel = sentinels[index]
            do {
                guard let master = try await ask(sentinel, logger: logger) else {
                    failures.append("\(sentinel) knows no master named \(masterName)")
                    continue
                }
                state.withLockedValue { $0.preferred = index }
                return master
            } catch RedisError.server(let reply) {
                // A refused password is the operator's to fix, not another sentinel's to retry.
                throw RedisConnectError.handshakeReply(reply, endpoint: "sentinel \(sentinel)")
            } catch {
                failures.append("\(sentinel): \(error)")
            }
        }
        throw RedisConnectError.unreachable(endpoint: description, cause: failures.joined(separator: "; "))
    }

    private func ask(_ sentinel: RedisEndpoint, logger: Logger) async throws -> RedisEndpoint? {
        var configuration = sentinelConfiguration
        configuration.host = sentinel.host
        configuration.port = sentinel.port
        let connection = try await RedisConnection.connect(
            configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: logger)
        defer { Task { await connection.close() } }
        let reply = try await connection.send(RedisCommand("SENTINEL", "get-master-addr-by-name", .string(masterName)))
        guard let items = reply.array, items.count == 2, let host = items[0].string,
            let portText = items[1].string, let port = Int(portText)
        else { return nil }
        return RedisEndpoint(host: host, port: port)
    }

    func watch(_ onMove: @escaping @Sendable () -> Void) -> RedisEndpointWatch {
        let (id, subscriber) = state.withLockedValue { state -> (Int, RedisSubscriber?) in
            let id = state.nextId
            state.nextId += 1
            state.watchers[id] = onMove
            guard state.announcements == nil else { return (id, nil) }
            let subscriber = makeAnnouncementSubscriber()
            state.announcements = subscriber
            return (id, subscriber)
        }
        if let subscriber {
            subscriber.start()
            // Desired from now on: subscribed as soon as a sentinel answers.
            Task { try? await subscriber.subscribe(["+switch-master"]) }
        }
        return RedisEndpointWatch { [weak self] in self?.unwatch(id) }
    }

    private func unwatch(_ id: Int) {
        let idle = state.withLockedValue { state -> RedisSubscriber? in
            state.watchers[id] = nil
            guard state.watchers.isEmpty else { return nil }
            defer { state.announcements = nil }
            return state.announcements
        }
        if let idle {
            Task { await idle.stop() }
        }
    }

    /// A subscriber on whichever sentinel answers (it rotates through them on reconnect).
    private func makeAnnouncementSubscriber() -> RedisSubscriber {
        var configuration = sentinelConfiguration
        configuration.endpointResolver = RotatingEndpoints(sentinels)
        let logger = Logger(label: "redis.sentinel")
        let masterName = self.masterName
        return RedisSubscriber(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger,
            onMessage: { [weak self] message in
                // "<master name> <old ip> <old port> <new ip> <new port>"
                let words = String(buffer: message.payload).split(separator: " ")
                guard message.topic == "+switch-master", words.first.map(String.init) == masterName else { return }
                logger.notice(
                    "Redis Sentinel: the master moved",
                    metadata: [
                        "master": "\(masterName)", "to": "\(words.dropFirst(3).joined(separator: ":"))",
                    ])
                self?.moved()
            },
            onStateChange: { _ in })
    }

    private func moved() {
        let watchers = state.withLockedValue { Array($0.watchers.values) }
        for onMove in watchers { onMove() }
    }
}

/// Each resolve gives the next endpoint: a subscriber on a list of sentinels moves
/// on to another one when its sentinel goes away.
final class RotatingEndpoints: RedisEndpointResolver {
    private let endpoints: [RedisEndpoint]
    private let next = NIOLockedValueBox(0)

    init(_ endpoints: [RedisEndpoint]) {
        self.endpoints = endpoints
    }

    var description: String { endpoints.map(\.description).joined(separator: ",") }

    func resolve(logger: Logger) async throws -> RedisEndpoint {
        let index = next.withLockedValue { value -> Int in
            defer { value += 1 }
            return value % endpoints.count
        }
        return endpoints[index]
    }

    func watch(_ onMove: @escaping @Sendable () -> Void) -> RedisEndpointWatch {
        RedisEndpointWatch {}
    }
}
