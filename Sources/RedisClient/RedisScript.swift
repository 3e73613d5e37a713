/// A Lua script run with EVALSHA. The SHA1 is computed once, up front, so
/// the hot path only sends the 40-character digest instead of the source.
public struct RedisScript: Sendable, Equatable {
    public let source: String
    /// Lowercase hex SHA1 of `source`, as Redis reports it from SCRIPT LOAD.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(source.utf8)
    }

    public func evalSHACommand(keys: [RedisArgument], args: [RedisArgument]) -> RedisCommand {
        var arguments: [RedisArgument] = []
        arguments.reserveCapacity(2 + keys.count + args.count)
        arguments.append(.string(self.sha1))
        arguments.append(.int(keys.count))
        arguments.append(contentsOf: keys)
        arguments.append(contentsOf: args)
        return RedisCommand("EVALSHA", arguments)
    }

    var loadCommand: RedisCommand {
        RedisCommand("SCRIPT", "LOAD", .string(self.source))
    }
}
