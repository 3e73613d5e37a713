import NIOConcurrencyHelpers

/// The cluster subscriber's state as one value: connected only while the slot map
/// covers every slot and each master's subscriber is connected, so a shard without
/// a master reads as an outage (publishes are refused, presence restored after).
final class ClusterSubscriberState: Sendable {
    private struct Shards {
        var states: [RedisEndpoint: (generation: Int, state: RedisSubscriberState)] = [:]
        var complete = false
        var reported = RedisSubscriberState.disconnected
    }

    private let shards = NIOLockedValueBox(Shards())
    private let onStateChange: @Sendable (RedisSubscriberState) -> Void

    init(onStateChange: @escaping @Sendable (RedisSubscriberState) -> Void) {
        self.onStateChange = onStateChange
    }

    var current: RedisSubscriberState { shards.withLockedValue { $0.reported } }

    func shardChanged(_ endpoint: RedisEndpoint, generation: Int, to state: RedisSubscriberState) {
        update { shards in
            guard shards.states[endpoint]?.generation == generation else { return }
            shards.states[endpoint]?.state = state
        }
    }

    /// Installs the masters of a new slot map; returns nothing, reports any change.
    func mastersChanged(_ masters: [RedisEndpoint: Int], complete: Bool) {
        update { shards in
            shards.complete = complete
            shards.states = shards.states.filter { masters[$0.key] == $0.value.generation }
            for (endpoint, generation) in masters where shards.states[endpoint] == nil {
                shards.states[endpoint] = (generation, .connecting)
            }
        }
    }

    func stopped() {
        update { shards in shards.complete = false }
    }

    /// Reported under the lock, so transitions reach the callback in order.
    private func update(_ change: (inout Shards) -> Void) {
        shards.withLockedValue { shards in
            change(&shards)
            let states = shards.states.values.map(\.state)
            let aggregate: RedisSubscriberState
            if shards.complete, !states.isEmpty, states.allSatisfy({ $0 == .connected }) {
                aggregate = .connected
            } else if shards.reported == .connecting, !states.contains(.disconnected) {
                aggregate = .connecting
            } else {
                aggregate = .disconnected
            }
            guard aggregate != shards.reported else { return }
            shards.reported = aggregate
            onStateChange(aggregate)
        }
    }
}
