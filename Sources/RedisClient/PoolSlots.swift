import NIOCore

/// The pool's bookkeeping, kept as a plain value behind the pool's lock so
/// every decision is a short critical section with no awaiting inside.
struct PoolSlots {
    enum Slot {
        case idle
        case connecting(Task<RedisConnection, any Error>)
        case connected(RedisConnection)
        /// The last attempt failed; no new attempt before `until`.
        case backingOff(until: NIODeadline)
    }

    enum Lease {
        case use(RedisConnection)
        case wait(Task<RedisConnection, any Error>)
        case fail
    }

    /// Backoff after consecutive failures of one slot: 100 ms, doubling up to
    /// 1 s, so a restarted Redis is picked up again within about a second.
    static let initialBackoff = TimeAmount.milliseconds(100)
    static let maximumBackoff = TimeAmount.seconds(1)

    private var slots: [Slot]
    private var consecutiveFailures: [Int]
    private var nextSlot = 0
    private var isClosed = false

    init(size: Int) {
        self.slots = Array(repeating: .idle, count: size)
        self.consecutiveFailures = Array(repeating: 0, count: size)
    }

    /// Picks the next slot round-robin. A dead or missing connection there is
    /// replaced in the background while another live connection serves this
    /// call; only when none is alive does the caller wait for a connect.
    mutating func lease(startConnect: (Int) -> Task<RedisConnection, any Error>) -> Lease {
        guard !self.isClosed else {
            return .fail
        }
        let preferred = self.nextSlot
        self.nextSlot = (preferred + 1) % self.slots.count

        switch self.slots[preferred] {
        case .connected(let connection) where connection.isActive:
            return .use(connection)
        case .connected, .idle:
            self.slots[preferred] = .connecting(startConnect(preferred))
        case .backingOff(let until) where until <= .now():
            self.slots[preferred] = .connecting(startConnect(preferred))
        case .backingOff, .connecting:
            break
        }

        for offset in 1..<max(self.slots.count, 1) {
            if case .connected(let connection) = self.slots[(preferred + offset) % self.slots.count], connection.isActive {
                return .use(connection)
            }
        }
        if case .connecting(let attempt) = self.slots[preferred] {
            return .wait(attempt)
        }
        for slot in self.slots {
            if case .connecting(let attempt) = slot {
                return .wait(attempt)
            }
        }
        // Every slot is backing off: Redis is down, say so right away.
        return .fail
    }

    /// Records a successful connect; false if the pool closed meanwhile.
    mutating func connected(slot index: Int, _ connection: RedisConnection) -> Bool {
        guard !self.isClosed else {
            return false
        }
        self.slots[index] = .connected(connection)
        self.consecutiveFailures[index] = 0
        return true
    }

    /// Records a failed connect and returns the backoff it starts.
    mutating func failed(slot index: Int, now: NIODeadline) -> TimeAmount {
        self.consecutiveFailures[index] += 1
        let exponent = min(self.consecutiveFailures[index] - 1, 10)
        let delay = min(Self.initialBackoff * (1 << exponent), Self.maximumBackoff)
        if !self.isClosed {
            self.slots[index] = .backingOff(until: now + delay)
        }
        return delay
    }

    /// Forgets every open connection (the endpoint moved) and hands them back to be
    /// closed; the next lease connects afresh, to the new endpoint.
    mutating func takeConnections() -> [RedisConnection] {
        var connections: [RedisConnection] = []
        for index in self.slots.indices {
            if case .connected(let connection) = self.slots[index] {
                connections.append(connection)
                self.slots[index] = .idle
            }
        }
        return connections
    }

    /// Marks the pool closed and hands back everything that must be shut.
    mutating func close() -> ([RedisConnection], [Task<RedisConnection, any Error>]) {
        self.isClosed = true
        var connections: [RedisConnection] = []
        var attempts: [Task<RedisConnection, any Error>] = []
        for slot in self.slots {
            switch slot {
            case .connected(let connection):
                connections.append(connection)
            case .connecting(let attempt):
                attempts.append(attempt)
            case .idle, .backingOff:
                break
            }
        }
        self.slots = Array(repeating: .idle, count: self.slots.count)
        return (connections, attempts)
    }
}
