import NIOCore
import SocketIOClient

/// A reconnect storm: N clients connect and join at the same moment (what an edge
/// sees when another edge dies and its clients come back through the load
/// balancer). Reports the time until every client had joined. Each client joins a
/// channel of its own, as returning clients mostly do: one shared channel would
/// measure the quadratic presence fan-out (every join announced to every member)
/// instead of the storm.
enum StormScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let options = context.options
        let count = options.connections ?? 5000
        let sourceCount = max(1, min(250, options.sources ?? max(1, (count + 19_999) / 20_000)))
        var report = context.report(.storm)
        report.parameters = ["connections": "\(count)", "sources": "\(sourceCount)", "loops": "\(context.loops.count)"]
        let sources = try (0..<sourceCount).map { try SocketAddress(ipAddress: "127.0.0.\(2 + $0)", port: 0) }
        let joins = Locked(LatencyHistogram())
        let began = monotonicNanos()
        // Everyone at once: the concurrency is the whole storm.
        let opened = await context.openMany(count, concurrency: count) { i in
            let socket = try await context.connector(for: i).connect(on: context.loop(for: i), from: sources[i % sources.count])
            do {
                try await socket.requestOK("join", ["channel": .string("\(options.channel)-storm-\(i)")])
            } catch {
                await socket.closeAndWait()
                throw error
            }
            let elapsed = monotonicNanos() - began
            joins.withLock { $0.record(nanos: elapsed) }
            return socket
        }
        let allJoined = Double(monotonicNanos() - began) / 1e9
        await context.closeAll(opened.opened)
        report.durationSeconds = allJoined
        report.connections = opened.opened.count
        report.connectErrors = opened.failures
        report.connectPerSecond = Double(opened.opened.count) / allJoined
        report.handshake = joins.withLock { $0.summary }
        report.parameters["allJoinedSeconds"] = String(format: "%.2f", allJoined)
        if let first = opened.firstError { report.notes.append("\(opened.failures) failed; first error: \(first)") }
        return report
    }
}
