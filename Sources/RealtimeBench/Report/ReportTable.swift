import Foundation

extension BenchReport {
    /// The human table: one line per measured figure.
    public var table: String {
        var rows: [(String, String)] = []
        func add(_ name: String, _ value: String?) { if let value { rows.append((name, value)) } }
        func count(_ value: Int?) -> String? { value.map(Self.grouped) }
        func rate(_ value: Double?, _ unit: String) -> String? { value.map { Self.grouped(Int($0.rounded())) + " " + unit } }
        func latency(_ s: LatencySummary?) -> String? {
            guard let s else { return nil }
            return String(
                format: "p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms  (n=%@)",
                s.p50, s.p90, s.p99, s.p999, s.max, Self.grouped(Int(s.count)))
        }

        add("scenario", scenario.rawValue + (label.map { " (\($0))" } ?? ""))
        add("edges", urls.joined(separator: " "))
        if !parameters.isEmpty {
            add("parameters", parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        add("duration", String(format: "%.1f s", durationSeconds))
        add("connections", count(connections))
        add("setup errors", count(setupErrors))
        add("published", count(published))
        add("publish errors", count(publishErrors))
        add("unacked", count(unacked))
        add("published/s", rate(publishedPerSecond, "msg/s"))
        add("expected", count(expected))
        add("delivered", count(delivered))
        add("lost", count(lost))
        add("duplicates", count(duplicates))
        add("delivered/s", rate(deliveredPerSecond, "msg/s"))
        add("latency", latency(self.latency))
        add("rounds", count(rounds))
        add("time to last", latency(timeToLast))
        add("operations", count(operations))
        add("operation errors", count(operationErrors))
        for (name, summary) in (operationLatency ?? [:]).sorted(by: { $0.key < $1.key }) {
            add("ack \(name)", latency(summary))
        }
        add("members consistent", latency(consistency))
        add("stale reads", count(staleReads))
        add("unconverged", count(unconverged))
        add("final mismatches", count(finalMismatches))
        add("connect errors", count(connectErrors))
        add("connect rate", rate(connectPerSecond, "conn/s"))
        add("handshake", latency(handshake))
        add("dropped while idle", count(droppedWhileIdle))
        for memory in edgeMemory ?? [] {
            add("edge \(memory.pid) RSS", "\(Self.grouped(memory.rssBeforeKiB)) → \(Self.grouped(memory.rssAfterKiB)) KiB")
        }
        add("edge RSS/connection", edgeRSSPerConnectionKiB.map { String(format: "%.2f KiB", $0) })
        add("bench RSS/connection", benchRSSPerConnectionKiB.map { String(format: "%.2f KiB", $0) })
        for note in notes { add("note", note) }

        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { name, value in
            name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value
        }.joined(separator: "\n") + "\n"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (value < 0 ? "-" : "") + out
    }
}
