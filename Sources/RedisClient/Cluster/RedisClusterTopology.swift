/// Which master serves each of the 16384 slots, as the cluster told us. Slots no
/// master covers (a shard whose master failed and has no promoted replica yet) map
/// to no endpoint: commands for them fail instead of going to a guess.
public struct RedisClusterTopology: Sendable, Equatable {
    /// Every master that owns at least one slot, in a stable order.
    public private(set) var masters: [RedisEndpoint]
    /// Index into `masters` per slot; -1 for an uncovered slot.
    private var owners: [Int16]

    public init(ranges: [(slots: ClosedRange<Int>, master: RedisEndpoint)]) {
        var masters: [RedisEndpoint] = []
        var owners = [Int16](repeating: -1, count: RedisClusterSlot.count)
        for (slots, master) in ranges.sorted(by: { $0.slots.lowerBound < $1.slots.lowerBound }) {
            let index: Int
            if let known = masters.firstIndex(of: master) {
                index = known
            } else {
                index = masters.count
                masters.append(master)
            }
            for slot in slots.clamped(to: 0...(RedisClusterSlot.count - 1)) { owners[slot] = Int16(index) }
        }
        self.masters = masters
        self.owners = owners
    }

    /// The master serving `slot`, or nil when no master covers it now.
    public func master(for slot: Int) -> RedisEndpoint? {
        let index = owners[slot]
        return index < 0 ? nil : masters[Int(index)]
    }

    /// True when every slot has a master.
    public var isComplete: Bool { !owners.contains(-1) }

    /// A MOVED reply's news, applied before the next full refresh arrives.
    public mutating func move(slot: Int, to master: RedisEndpoint) {
        if let known = masters.firstIndex(of: master) {
            owners[slot] = Int16(known)
        } else {
            masters.append(master)
            owners[slot] = Int16(masters.count - 1)
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.masters == rhs.masters && lhs.owners == rhs.owners
    }
}

extension RedisClusterTopology {
    /// Parses `CLUSTER SHARDS` (Redis 7+). Only healthy masters count: a failed
    /// master's slots stay uncovered until its replica is promoted.
    /// - Parameter tls: prefer each node's `tls-port` (servers with TLS announce it).
    public init?(shards reply: RESPValue, tls: Bool) {
        guard let shards = reply.array else { return nil }
        var ranges: [(slots: ClosedRange<Int>, master: RedisEndpoint)] = []
        for shard in shards {
            let fields = Self.fields(shard)
            let bounds = (fields["slots"]?.array ?? []).compactMap { $0.int.map(Int.init) }
            guard bounds.count % 2 == 0 else { return nil }
            let master = (fields["nodes"]?.array ?? []).map(Self.fields).first { node in
                node["role"]?.string == "master" && (node["health"]?.string ?? "online") == "online"
            }
            guard let master, let endpoint = Self.endpoint(master, tls: tls) else { continue }
            for i in stride(from: 0, to: bounds.count, by: 2) where bounds[i] <= bounds[i + 1] {
                ranges.append((bounds[i]...bounds[i + 1], endpoint))
            }
        }
        self.init(ranges: ranges)
    }

    /// Parses `CLUSTER SLOTS` (Redis 3 to 6, and later): `[start, end, [host, port, id], replicas…]`.
    public init?(slots reply: RESPValue) {
        guard let entries = reply.array else { return nil }
        var ranges: [(slots: ClosedRange<Int>, master: RedisEndpoint)] = []
        for entry in entries {
            guard let items = entry.array, items.count >= 3, let start = items[0].int, let end = items[1].int, start <= end,
                let node = items[2].array, node.count >= 2, let host = node[0].string, let port = node[1].int
            else { return nil }
            ranges.append((Int(start)...Int(end), RedisEndpoint(host: host, port: Int(port))))
        }
        self.init(ranges: ranges)
    }

    /// A RESP2 map: a flat array of name, value, name, value…
    private static func fields(_ value: RESPValue) -> [String: RESPValue] {
        let items = value.array ?? []
        var fields: [String: RESPValue] = [:]
        for i in stride(from: 0, to: items.count - 1, by: 2) {
            if let name = items[i].string { fields[name] = items[i + 1] }
        }
        return fields
    }

    private static func endpoint(_ node: [String: RESPValue], tls: Bool) -> RedisEndpoint? {
        let port = (tls ? node["tls-port"]?.int : nil) ?? node["port"]?.int
        // "endpoint" is what the node wants clients to use ("?" when unknown).
        let announced = node["endpoint"]?.string.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 }
        guard let port, port > 0, let host = announced ?? node["ip"]?.string else { return nil }
        return RedisEndpoint(host: host, port: Int(port))
    }
}
