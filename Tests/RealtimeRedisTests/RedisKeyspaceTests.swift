import RealtimeCore
import RedisClient
import Testing

@testable import RealtimeRedis

/// The Redis Cluster names put each operation's keys in one slot (docs/KEYSPACE.md),
/// and one Redis keeps its names unchanged.
@Suite struct RedisKeyspaceTests {
    let cluster = RedisKeyspace.cluster
    let plain = RedisKeyspace.plain

    @Test(arguments: ["room", "a}b", "}start", "%7D", "x%y", "{braces}", "", "ünï cødé"])
    func aChannelsPresenceAndTopicShareItsSlot(_ channel: String) {
        let slot = RedisClusterSlot.slot(of: cluster.presence(channel))
        #expect(RedisClusterSlot.slot(of: cluster.topicName(.channel(channel))) == slot)
        #expect(cluster.topic(named: cluster.topicName(.channel(channel))) == .channel(channel))
        #expect(cluster.topic(named: cluster.topicName(.user(channel))) == .user(channel))
    }

    @Test func distinctNamesStayDistinct() {
        #expect(RedisKeyspace.tag("a}") != RedisKeyspace.tag("a%7D"))
        #expect(RedisKeyspace.tag("%") != RedisKeyspace.tag(""))
    }

    @Test func clusterWideKeysShareTheRtSlot() {
        let slot = RedisClusterSlot.slot(of: "{rt}")
        let names = [
            cluster.nodes, cluster.channels, cluster.settings, cluster.cleanups, cluster.leader, cluster.rateLimitRejections,
            cluster.rateLimitTop, cluster.controlTopic, cluster.nodeIndex("n1"), cluster.nodeHeartbeat("n1"), cluster.nodeEvicted("n1"),
        ]
        #expect(names.allSatisfy { RedisClusterSlot.slot(of: $0) == slot })
    }

    @Test func aSubjectsCountersShareItsSlot() {
        #expect(
            RedisClusterSlot.slot(of: cluster.rateLimitCounter(limit: "chat", subject: "u:alice") + ":123")
                == RedisClusterSlot.slot(of: cluster.rateLimitCounter(limit: "joins", subject: "u:alice") + ":456"))
    }

    @Test func oneRedisKeepsItsNames() {
        #expect(plain.presence("room") == "rt:presence:room")
        #expect(plain.topicName(.channel("room")) == "rt:ch:room")
        #expect(plain.controlTopic == "rt:ctl")
        #expect(plain.nodes == "rt:nodes")
        #expect(plain.leader == "rt:coordinator:leader")
        #expect(plain.publishCommand(.channel("room")) == "PUBLISH")
        #expect(cluster.publishCommand(.channel("room")) == "SPUBLISH")
        #expect(cluster.publishCommand(.broadcast) == "PUBLISH")
        #expect(plain.topic(named: "rt:ch:room") == .channel("room"))
    }
}
