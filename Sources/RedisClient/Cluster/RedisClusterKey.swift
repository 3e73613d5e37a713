/// The key a command is routed by in a Redis Cluster, or nil for a command any
/// node can answer (PING, SCRIPT LOAD, plain PUBLISH, which the cluster bus
/// propagates to every node). Only the command shapes the broker sends are known:
/// the key is the first argument, except for scripts.
enum RedisClusterKey {
    static func routingKey(of command: RedisCommand) -> RedisArgument? {
        switch command.name.uppercased() {
        case "EVALSHA", "EVAL", "EVALSHA_RO", "EVAL_RO", "FCALL":
            guard command.arguments.count > 2, case .int(let keys) = command.arguments[1], keys > 0 else { return nil }
            return command.arguments[2]
        case "PING", "SCRIPT", "INFO", "CLUSTER", "AUTH", "HELLO", "PUBLISH", "ASKING", "DBSIZE", "TIME":
            return nil
        default:
            return command.arguments.first
        }
    }

    static func slot(of command: RedisCommand) -> Int? {
        routingKey(of: command).map(slot(of:))
    }

    static func slot(of argument: RedisArgument) -> Int {
        switch argument {
        case .string(let text): return RedisClusterSlot.slot(of: text)
        case .bytes(let bytes): return RedisClusterSlot.slot(of: bytes)
        case .buffer(let buffer): return RedisClusterSlot.slot(of: Array(buffer.readableBytesView))
        case .int(let value): return RedisClusterSlot.slot(of: String(value))
        }
    }
}
