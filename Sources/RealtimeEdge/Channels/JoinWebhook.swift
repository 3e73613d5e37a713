import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import RealtimeCore
import SocketIOProtocol
import Synchronization

/// Asks the application whether a connection may join a `"webhook"` channel: a POST
/// of `{action, channel, userId, connectionId}` to `authWebhook.url`, signed with
/// `X-Realtime-Signature: sha256=<hex HMAC-SHA256 of the body>`. A 200 with
/// `{"allow": true}` allows; anything else, or no answer within `timeoutMs`, denies.
/// Answers are reused for `cacheSeconds` (per url, action, channel and user, or
/// connection when there is no user); no answer (timeout, unreachable) is not cached.
final class JoinWebhook: Sendable {
    enum Decision: Sendable, Equatable {
        case allowed
        case denied(String)
    }

    /// The application's answer, or no answer at all (unreachable, timed out): only an
    /// answer is cached, so a slow moment of the webhook does not shut a room for long.
    private struct Outcome: Sendable {
        var decision: Decision
        var answered: Bool
    }

    /// Its own client: redirects are not followed (a 3xx is not an allow), and it lives
    /// as long as the process, so it is never shut down.
    private static let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))

    private struct CacheKey: Hashable {
        var url: String
        var action: String
        var channel: String
        var subject: String
    }

    /// Bounded: a burst of distinct questions cannot grow it past this.
    static let maxCachedAnswers = 10_000
    static let maxAnswerBytes = 64 * 1024
    private let cache = Mutex<[CacheKey: (decision: Decision, until: ContinuousClock.Instant)]>([:])

    func authorize(_ webhook: AuthWebhook, action: String, channel: String, userId: String?, connectionId: String) async -> Decision {
        let key = CacheKey(url: webhook.url, action: action, channel: channel, subject: userId.map { "u:" + $0 } ?? "c:" + connectionId)
        let now = ContinuousClock.now
        if webhook.cacheSeconds > 0, let cached = cache.withLock({ $0[key] }), cached.until > now {
            return cached.decision
        }
        let outcome = await ask(webhook, body: Self.body(action: action, channel: channel, userId: userId, connectionId: connectionId))
        if webhook.cacheSeconds > 0, outcome.answered {
            remember(outcome.decision, for: key, until: now + .seconds(webhook.cacheSeconds))
        }
        return outcome.decision
    }

    static func body(action: String, channel: String, userId: String?, connectionId: String) -> [UInt8] {
        JSONValue.object([
            "action": .string(action),
            "channel": .string(channel),
            "userId": userId.map(JSONValue.string) ?? .null,
            "connectionId": .string(connectionId),
        ]).serialized
    }

    /// `sha256=` and the lowercase hex HMAC-SHA256 of `body` keyed with `secret`.
    static func signature(of body: [UInt8], secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    private static func request(_ webhook: AuthWebhook, body: [UInt8]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: webhook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Realtime-Signature", value: signature(of: body, secret: webhook.secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    private func ask(_ webhook: AuthWebhook, body: [UInt8]) async -> Outcome {
        let timeout = Duration.milliseconds(webhook.timeoutMs)
        do {
            // The whole exchange, body included, within the timeout: a webhook that
            // answers its head and then trickles cannot hold a join.
            return try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    let response = try await Self.client.execute(
                        Self.request(webhook, body: body), timeout: .milliseconds(Int64(webhook.timeoutMs)))
                    guard response.status == .ok else {
                        return Outcome(decision: .denied("the application's webhook answered \(response.status.code)"), answered: true)
                    }
                    let answer = try await response.body.collect(upTo: Self.maxAnswerBytes)
                    guard let json = try? JSONValue.parse(answer.readableBytesView), json["allow"]?.boolValue == true else {
                        return Outcome(decision: .denied("the application's webhook did not allow it"), answered: true)
                    }
                    return Outcome(decision: .allowed, answered: true)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return Outcome(
                        decision: .denied("the application's webhook did not answer within \(webhook.timeoutMs) ms"), answered: false)
                }
                let first =
                    try await group.next() ?? Outcome(decision: .denied("the application's webhook did not answer"), answered: false)
                group.cancelAll()
                return first
            }
        } catch {
            return Outcome(decision: .denied("the application's webhook could not be reached"), answered: false)
        }
    }

    private func remember(_ decision: Decision, for key: CacheKey, until: ContinuousClock.Instant) {
        cache.withLock { cache in
            if cache.count >= Self.maxCachedAnswers {
                let now = ContinuousClock.now
                cache = cache.filter { $0.value.until > now }
                if cache.count >= Self.maxCachedAnswers { cache.removeAll(keepingCapacity: true) }
            }
            cache[key] = (decision, until)
        }
    }
}
