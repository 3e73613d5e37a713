/// A SUBSCRIBE-family command waiting for Redis to confirm each of its
/// names. Redis answers every name with its own confirmation, in order, and
/// finishes one command before starting the next, so a FIFO of these is
/// enough to attribute confirmations.
struct SubscriptionChange {
    enum Kind: String {
        case subscribe
        case unsubscribe
        case psubscribe
        case punsubscribe
        /// Sharded pub/sub (Redis Cluster 7+): one slot's channels per command.
        case ssubscribe
        case sunsubscribe

        /// Confirmation pushes carry the command name in lowercase.
        init?(confirmation name: String) {
            self.init(rawValue: name)
        }

        var commandName: String {
            self.rawValue.uppercased()
        }
    }

    var kind: Kind
    var remainingConfirmations: Int
    var completion: (RedisError?) -> Void
}
