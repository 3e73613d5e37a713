import NIOCore
import Testing

@testable import RedisClient

@Suite struct ClusterSlotTests {
    @Test func crc16MatchesTheReferenceCheckValue() {
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)[...]) == 0x31C3)
    }

    @Test func knownSlots() {
        #expect(RedisClusterSlot.slot(of: "foo") == 12182)
        #expect(RedisClusterSlot.slot(of: "bar") == 5061)
        #expect(RedisClusterSlot.slot(of: "{rt}") == RedisClusterSlot.slot(of: "rt"))
    }

    @Test func hashTagsShareASlot() {
        #expect(RedisClusterSlot.slot(of: "{user1000}.following") == RedisClusterSlot.slot(of: "{user1000}.followers"))
        #expect(RedisClusterSlot.slot(of: "foo{bar}{zap}") == RedisClusterSlot.slot(of: "bar"))
        #expect(RedisClusterSlot.slot(of: "foo{{bar}}zap") == RedisClusterSlot.slot(of: "{bar"))
    }

    @Test func anEmptyTagHashesTheWholeKey() {
        #expect(RedisClusterSlot.slot(of: "foo{}{bar}") == Int(RedisClusterSlot.crc16(Array("foo{}{bar}".utf8)[...]) & 0x3FFF))
        #expect(RedisClusterSlot.slot(of: "foo{bar") == Int(RedisClusterSlot.crc16(Array("foo{bar".utf8)[...]) & 0x3FFF))
    }

    @Test func commandsRouteByTheirKey() {
        #expect(RedisClusterKey.slot(of: RedisCommand("GET", "foo")) == 12182)
        #expect(RedisClusterKey.slot(of: RedisCommand("EVALSHA", "abc", .int(1), "foo", "x")) == 12182)
        #expect(RedisClusterKey.slot(of: RedisCommand("EVALSHA", "abc", .int(0))) == nil)
        #expect(RedisClusterKey.slot(of: RedisCommand("PUBLISH", "foo", "x")) == nil)
        #expect(RedisClusterKey.slot(of: RedisCommand("SPUBLISH", "foo", "x")) == 12182)
    }
}

@Suite struct ClusterRedirectionTests {
    @Test func moved() {
        #expect(
            RedisRedirection("MOVED 3999 127.0.0.1:6381")
                == RedisRedirection(kind: .moved, slot: 3999, endpoint: RedisEndpoint(host: "127.0.0.1", port: 6381)))
    }

    @Test func askWithIPv6() {
        let redirection = RedisRedirection("ASK 12182 [::1]:7001")
        #expect(redirection?.kind == .ask)
        #expect(redirection?.endpoint == RedisEndpoint(host: "::1", port: 7001))
    }

    @Test func otherErrorsAreNoRedirection() {
        #expect(RedisRedirection("ERR unknown command") == nil)
        #expect(RedisRedirection("MOVED 99999 h:1") == nil)
        #expect(RedisRedirection("MOVED 1 nohost") == nil)
        #expect(RedisError.server("CLUSTERDOWN Hash slot not served").redirection == nil)
    }
}

@Suite struct ClusterTopologyTests {
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    static func node(_ port: Int, role: String, health: String = "online") -> RESPValue {
        .array([
            bulk("id"), bulk("n\(port)"), bulk("port"), .integer(Int64(port)), bulk("ip"), bulk("127.0.0.1"),
            bulk("endpoint"), bulk("127.0.0.1"), bulk("role"), bulk(role), bulk("health"), bulk(health),
        ])
    }

    static func shard(_ ranges: [Int64], _ nodes: [RESPValue]) -> RESPValue {
        .array([bulk("slots"), .array(ranges.map { .integer($0) }), bulk("nodes"), .array(nodes)])
    }

    @Test func shardsGiveEachSlotItsMaster() throws {
        let reply = RESPValue.array([
            Self.shard([0, 5460], [Self.node(7000, role: "master"), Self.node(7003, role: "replica")]),
            Self.shard([5461, 10922], [Self.node(7004, role: "replica"), Self.node(7001, role: "master")]),
            Self.shard([10923, 16383], [Self.node(7002, role: "master")]),
        ])
        let topology = try #require(RedisClusterTopology(shards: reply, tls: false))
        #expect(topology.isComplete)
        #expect(topology.masters.map(\.port) == [7000, 7001, 7002])
        #expect(topology.master(for: 0)?.port == 7000)
        #expect(topology.master(for: 5461)?.port == 7001)
        #expect(topology.master(for: 12182)?.port == 7002)
    }

    @Test func aFailedMastersSlotsAreUncovered() throws {
        let reply = RESPValue.array([
            Self.shard([0, 8191], [Self.node(7000, role: "master", health: "failed"), Self.node(7003, role: "replica")]),
            Self.shard([8192, 16383], [Self.node(7001, role: "master")]),
        ])
        let topology = try #require(RedisClusterTopology(shards: reply, tls: false))
        #expect(!topology.isComplete)
        #expect(topology.master(for: 100) == nil)
        #expect(topology.master(for: 9000)?.port == 7001)
    }

    @Test func slotsReplyOfOlderServers() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(8191), .array([Self.bulk("10.0.0.1"), .integer(6379), Self.bulk("id1")])]),
            .array([.integer(8192), .integer(16383), .array([Self.bulk("10.0.0.2"), .integer(6379), Self.bulk("id2")])]),
        ])
        let topology = try #require(RedisClusterTopology(slots: reply))
        #expect(topology.isComplete)
        #expect(topology.master(for: 8192) == RedisEndpoint(host: "10.0.0.2", port: 6379))
    }

    @Test func movedUpdatesOneSlot() throws {
        var topology = RedisClusterTopology(ranges: [(0...16383, RedisEndpoint(host: "a", port: 1))])
        topology.move(slot: 42, to: RedisEndpoint(host: "b", port: 2))
        #expect(topology.master(for: 42)?.host == "b")
        #expect(topology.master(for: 43)?.host == "a")
    }
}

@Suite struct ClusterURLTests {
    @Test func seedsAndCredentials() throws {
        let configuration = try RedisConfiguration(url: "redis-cluster://app:s%40cret@10.0.0.1:7000,10.0.0.2,[::1]:7002")
        #expect(configuration.isCluster)
        #expect(
            configuration.clusterSeeds == [
                RedisEndpoint(host: "10.0.0.1", port: 7000), RedisEndpoint(host: "10.0.0.2", port: 6379),
                RedisEndpoint(host: "::1", port: 7002),
            ])
        #expect(configuration.username == "app")
        #expect(configuration.password == "s@cret")
        #expect(configuration.tls == nil)
        #expect(!(try RedisConfiguration(url: "redis://h:1")).isCluster)
    }

    @Test func passwordOnly() throws {
        let configuration = try RedisConfiguration(url: "redis-cluster://:pw@h:7000")
        #expect(configuration.username == nil)
        #expect(configuration.password == "pw")
    }

    @Test func rejectsPathsAndTLSFilesWithoutTLS() {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis-cluster://h:7000/1") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis-cluster://h:7000", tlsCAFile: "/ca.pem") }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis-cluster://") }
    }

    @Test func passwordIsRedacted() {
        #expect(RedisURLRedaction.redact("redis-cluster://u:pw@h:1,h:2") == "redis-cluster://u:***@h:1,h:2")
    }
}
