import NIOCore
import RealtimeCore
import RedisClient

/// Rate limits counted in Redis, cluster-wide, inside the same script call as the
/// event's own work. When Redis cannot be reached the check fails open onto this
/// edge's own counters (counted in `rateLimitFallbacks`), and the operation's error,
/// if any, still reaches the caller.
extension RedisConnections {
    /// One script call: check all limits, count, and publish when allowed.
    func checkLimits(_ check: RateLimitCheck, publishing message: (topic: String, payload: ByteBuffer, sharded: Bool)?) async throws
        -> RateLimit?
    {
        if keys.clustered { return try await checkLimitsOnCluster(check, publishing: message) }
        var args: [RedisArgument] = []
        args.reserveCapacity(check.limits.count * 3 + 3)
        for limit in check.limits {
            args.append(.int(limit.rate))
            args.append(.int(limit.duration))
            args.append(.string(limit.name))
        }
        args.append(.string(check.subject))
        if let message {
            args.append(.string(message.topic))
            args.append(.buffer(message.payload))
        }
        return try await exceededLimit(RateLimitScript.checkAndPublish, check, args: args)?.limit
    }

    /// Runs a check script over the subject's counters (KEYS) and returns the limit it
    /// reports exceeded (its 1-based index), or nil. While Redis cannot be reached this
    /// edge's own counters decide (`local`); when they allow, the error is thrown.
    func exceededLimit(_ script: RedisScript, _ check: RateLimitCheck, args: [RedisArgument]) async throws -> (
        limit: RateLimit, local: Bool
    )? {
        let counters = check.limits.map { RedisArgument.string(keys.rateLimitCounter(limit: $0.name, subject: check.subject)) }
        let reply: RESPValue
        do {
            reply = try await pool.run(script, keys: counters, args: args)
        } catch let error as RedisError where error.isConnectivity {
            rateLimitFallbacks.add(1, ordering: .relaxed)
            if let exceeded = fallbackLimiter.consume(check) { return (exceeded, true) }
            throw error
        }
        guard let index = reply.int, index > 0, Int(index) <= check.limits.count else { return nil }
        return (check.limits[Int(index) - 1], false)
    }

    /// Runs a presence script behind the rate-limit prologue: one round trip for
    /// the check, the count and the operation.
    func runLimited(_ script: RedisScript, check: RateLimitCheck?, keys: [RedisArgument], args: [RedisArgument]) async throws -> RESPValue {
        var allKeys: [RedisArgument] = []
        var allArgs: [RedisArgument] = [.int(check?.limits.count ?? 0)]
        allKeys.reserveCapacity(keys.count + (check?.limits.count ?? 0))
        allArgs.reserveCapacity(args.count + 2 + 3 * (check?.limits.count ?? 0))
        if let check {
            for limit in check.limits {
                allKeys.append(.string(self.keys.rateLimitCounter(limit: limit.name, subject: check.subject)))
                allArgs.append(.int(limit.rate))
                allArgs.append(.int(limit.duration))
                allArgs.append(.string(limit.name))
            }
        }
        allArgs.append(.string(check?.subject ?? ""))
        allKeys.append(contentsOf: keys)
        allArgs.append(contentsOf: args)
        do {
            return try await pool.run(script, keys: allKeys, args: allArgs)
        } catch let error as RedisError {
            if let check, case .server(let message) = error, let range = message.range(of: "RATELIMIT ") {
                let index = Int(message[range.upperBound...].prefix { $0.isNumber }) ?? 0
                if (1...check.limits.count).contains(index) { throw RateLimitExceeded(check.limits[index - 1]) }
            }
            if let check, error.isConnectivity {
                rateLimitFallbacks.add(1, ordering: .relaxed)
                if let exceeded = fallbackLimiter.consume(check) { throw RateLimitExceeded(exceeded) }
            }
            throw error
        }
    }

    /// Counts an event that has no backend work of its own.
    func enforce(_ check: RateLimitCheck?) async throws {
        if let check, !check.limits.isEmpty, let exceeded = try await checkLimits(check, publishing: nil) {
            throw RateLimitExceeded(exceeded)
        }
    }
}
