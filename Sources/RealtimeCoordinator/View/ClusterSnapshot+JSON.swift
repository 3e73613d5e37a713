import SocketIOProtocol

/// The `GET /cluster` document (PROTOCOL.md §5; field list in docs/COORDINATOR.md).
extension ClusterSnapshot {
    var json: JSONValue {
        var perNode: [String: JSONValue] = [:]
        for node in nodes { perNode[node.id] = .number(Double(node.counters.rateLimitRejections)) }
        return .object([
            "coordinator": .object([
                "id": .string(coordinatorId),
                "leader": .bool(isLeader),
                "leaderId": leaderId.map(JSONValue.string) ?? .null,
                "redisUp": .bool(redisUp),
                "suspectAfterSeconds": .number(suspectAfter.seconds),
                "deadAfterSeconds": .number(deadAfter.seconds),
            ]),
            "generatedAt": .number(Double(generatedAt)),
            "nodes": .array(nodes.map(\.json)),
            "totals": .object([
                "nodes": .number(Double(nodes.count)),
                "alive": .number(Double(count(.alive))),
                "suspect": .number(Double(count(.suspect))),
                "dead": .number(Double(count(.dead))),
                "connections": .number(Double(totalConnections)),
                "channels": .number(Double(channelCount)),
                "messagesInPerSecond": .number(rounded(totalMessagesIn)),
                "messagesOutPerSecond": .number(rounded(totalMessagesOut)),
                "bytesInPerSecond": .number(rounded(totalBytesIn)),
                "bytesOutPerSecond": .number(rounded(totalBytesOut)),
            ]),
            "rateLimitRejections": .object([
                "total": .number(Double(totalRateLimitRejections)),
                "perSecond": .number(rounded(rateLimitRejectionsPerSecond)),
                "perNode": .object(perNode),
                "perLimit": .object(rateLimits.perLimit.mapValues { .number(Double($0)) }),
                "topSubjects": .array(
                    rateLimits.topSubjects.map {
                        .object(["subject": .string($0.subject), "rejections": .number(Double($0.rejections))])
                    }),
            ]),
            "cleanups": .object([
                "nodes": .number(Double(cleanups.nodes)),
                "members": .number(Double(cleanups.members)),
            ]),
            "settings": .object([
                "stored": .bool(storedSettingsVersion != nil),
                "version": storedSettingsVersion.map { .number(Double($0)) } ?? .null,
                "mismatched": .array(settingsMismatches.map { .string($0.id) }),
            ]),
        ])
    }
}

extension ClusterSnapshot.Node {
    var json: JSONValue {
        .object([
            "id": .string(id),
            "address": .string(address),
            "status": .string(status.rawValue),
            "connections": .number(Double(connections)),
            "channels": .number(Double(channels)),
            "messagesInPerSecond": .number(rounded(rates.messagesIn)),
            "messagesOutPerSecond": .number(rounded(rates.messagesOut)),
            "bytesInPerSecond": .number(rounded(rates.bytesIn)),
            "bytesOutPerSecond": .number(rounded(rates.bytesOut)),
            "lastHeartbeat": lastHeartbeat.map { .number(Double($0)) } ?? .null,
            "heartbeatAgeSeconds": .number(rounded(heartbeatAge.seconds)),
            "uptimeSeconds": .number(rounded(uptimeSeconds)),
            "version": .string(version),
            "backendUp": .bool(backendUp),
            "draining": .bool(draining),
            "slowClientDisconnects": .number(Double(counters.slowClientDisconnects)),
            "rateLimitRejections": .number(Double(counters.rateLimitRejections)),
            "deadSince": deadSince.map { .number(Double($0)) } ?? .null,
            "readmissions": .number(Double(readmissions)),
            "settingsVersion": settingsVersion.map { .number(Double($0)) } ?? .null,
        ])
    }
}

/// Two decimals: enough for a rate, and keeps the document readable.
func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
