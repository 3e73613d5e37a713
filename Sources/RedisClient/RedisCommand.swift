/// A command name and its arguments, ready to be encoded as a RESP array.
public struct RedisCommand: Sendable, Equatable {
    public var name: String
    public var arguments: [RedisArgument]

    public init(_ name: String, _ args: [RedisArgument] = []) {
        self.name = name
        self.arguments = args
    }

    public init(_ name: String, _ args: RedisArgument...) {
        self.init(name, args)
    }
}
