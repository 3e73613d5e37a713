import SocketIOProtocol

/// What `realtime nodes` and `realtime stats` print: a coordinator's `/cluster`
/// document as terminal text. It works from the JSON (not from a snapshot) because
/// the CLI talks to a coordinator over HTTP, possibly of another version.
public enum ClusterReport {
    public enum Kind: Sendable { case nodes, stats }

    public struct InvalidDocument: Error, CustomStringConvertible {
        public let description: String
    }

    public static func render(_ kind: Kind, clusterJSON bytes: [UInt8]) throws -> String {
        guard let cluster = try? JSONValue.parse(bytes), cluster["nodes"]?.arrayValue != nil else {
            throw InvalidDocument(description: "the coordinator's answer is not a /cluster document")
        }
        switch kind {
        case .nodes: return nodes(cluster)
        case .stats: return stats(cluster)
        }
    }

    static func nodes(_ cluster: JSONValue) -> String {
        let now = cluster["generatedAt"]?.doubleValue
        var table = TextTable(columns: [
            ("NODE", .left), ("STATUS", .left), ("ADDRESS", .left), ("CONNS", .right), ("CHANNELS", .right),
            ("IN/S", .right), ("OUT/S", .right), ("HEARTBEAT", .right), ("UPTIME", .right), ("VERSION", .left),
        ])
        for node in cluster["nodes"]?.arrayValue ?? [] {
            let heartbeat: String
            if let ts = node["lastHeartbeat"]?.doubleValue, let now {
                heartbeat = format(max(0, now - ts) / 1000, decimals: 1) + "s ago"
            } else {
                heartbeat = "never"
            }
            table.rows.append([
                node["id"]?.stringValue ?? "?",
                node["status"]?.stringValue ?? "?",
                node["address"]?.stringValue ?? "",
                format(node["connections"]),
                format(node["channels"]),
                format(node["messagesInPerSecond"], decimals: 1),
                format(node["messagesOutPerSecond"], decimals: 1),
                heartbeat,
                uptime(node["uptimeSeconds"]?.doubleValue ?? 0),
                node["version"]?.stringValue ?? "",
            ])
        }
        return header(cluster) + "\n\n" + table.render() + "\n"
    }

    static func stats(_ cluster: JSONValue) -> String {
        let totals = cluster["totals"]
        let rows: [(String, String)] = [
            ("nodes", format(totals?["nodes"])),
            ("alive", format(totals?["alive"])),
            ("suspect", format(totals?["suspect"])),
            ("dead", format(totals?["dead"])),
            ("connections", format(totals?["connections"])),
            ("channels", format(totals?["channels"])),
            ("messages in/s", format(totals?["messagesInPerSecond"], decimals: 1)),
            ("messages out/s", format(totals?["messagesOutPerSecond"], decimals: 1)),
            ("bytes in/s", format(totals?["bytesInPerSecond"], decimals: 0)),
            ("bytes out/s", format(totals?["bytesOutPerSecond"], decimals: 0)),
            ("rate-limit rejections", format(cluster["rateLimitRejections"]?["total"])),
            ("cleaned-up nodes", format(cluster["cleanups"]?["nodes"])),
            ("cleaned-up members", format(cluster["cleanups"]?["members"])),
        ]
        var table = TextTable(columns: [("METRIC", .left), ("VALUE", .right)])
        table.rows = rows.map { [$0.0, $0.1] }
        return header(cluster) + "\n\n" + table.render() + "\n"
    }

    private static func header(_ cluster: JSONValue) -> String {
        let coordinator = cluster["coordinator"]
        let id = coordinator?["id"]?.stringValue ?? "?"
        let role =
            coordinator?["leader"]?.boolValue == true
            ? "leader"
            : "standby, leader " + (coordinator?["leaderId"]?.stringValue ?? "none")
        let redis = coordinator?["redisUp"]?.boolValue == false ? "; Redis unreachable" : ""
        return "coordinator \(id) (\(role)\(redis))"
    }

    private static func format(_ value: JSONValue?, decimals: Int = 0) -> String {
        guard let number = value?.doubleValue else { return "-" }
        return format(number, decimals: decimals)
    }

    private static func format(_ number: Double, decimals: Int) -> String {
        if decimals == 0 || number == number.rounded() { return String(Int64(number.rounded())) }
        let scale = Double(decimals == 1 ? 10 : 100)
        let scaled = Int64((number * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = abs(scaled % Int64(scale))
        return "\(whole).\(String(fraction).leftPadded(to: decimals))"
    }

    private static func uptime(_ seconds: Double) -> String {
        let s = Int(seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(s % 60)s" }
        if s < 86400 { return "\(s / 3600)h\((s % 3600) / 60)m" }
        return "\(s / 86400)d\((s % 86400) / 3600)h"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
