import NIOCore
import SocketIOClient

/// N idle connections; one sender broadcasts a stamped message every interval.
/// Per round: time from the send until the last connection has it.
enum BroadcastScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let options = context.options
        let requested = options.connections ?? 2000
        let rounds = max(1, options.rounds ?? 20)
        let interval = UInt64(max(1, options.intervalMilliseconds ?? 250)) * 1_000_000
        var report = context.report(.broadcast)
        report.parameters = [
            "connections": "\(requested)", "rounds": "\(rounds)",
            "intervalMs": "\(interval / 1_000_000)", "size": "\(options.size)", "loops": "\(context.loops.count)",
        ]

        let window = MeasureWindow()
        let collectors = try await Collectors(loops: context.loops, window: window)
        let opened = await context.openMany(requested) { i in
            let loop = context.loop(for: i)
            return try await context.connector(for: i).connect(
                on: loop,
                makeReceiver: {
                    DeliveryReceiver(collector: collectors.collector(on: loop), publishers: 1, tracksRounds: true)
                })
        }
        var sockets = opened.opened
        let receiverCount = sockets.count
        if opened.failures > 0 {
            report.setupErrors = opened.failures
            report.notes.append("\(opened.failures) connections failed and were left out; first error: \(opened.firstError ?? "?")")
        }
        guard receiverCount > 0 else { throw BenchError("no connection could be opened: \(opened.firstError ?? "?")") }
        // One sender (echo off, so it is not among the recipients), paced one round per interval.
        let sender = try await Publisher.connect(
            index: 0, connector: context.connector(for: 0), on: context.loop(for: 0),
            builders: [MessageFrameBuilder(channel: nil, size: options.size)],
            pace: .rate(1e9 / Double(interval)))
        sockets.append(sender.socket)

        let start = monotonicNanos() + 200_000_000
        let stop = start + UInt64(rounds - 1) * interval + interval / 2
        window.set(start: start, end: UInt64.max)
        sender.start(at: start, stop: stop)
        await sleep(until: stop)

        // Drain: every round complete, or 10 s after the last send.
        let deadline = monotonicNanos() + 10_000_000_000
        var deliveries = try await collectors.merged()
        while monotonicNanos() < deadline && deliveries.delivered < receiverCount * rounds {
            try await Task.sleep(for: .milliseconds(50))
            deliveries = try await collectors.merged()
        }
        let published = try await sender.snapshot()
        await context.closeAll(sockets)

        var timeToLast = LatencyHistogram()
        for round in 0..<min(published.sent, deliveries.roundLast.count) where deliveries.roundCounts[round] > 0 {
            let sent = start + UInt64(round) * interval
            if deliveries.roundLast[round] > sent { timeToLast.record(nanos: deliveries.roundLast[round] - sent) }
        }
        let incomplete = (0..<published.sent).filter { $0 >= deliveries.roundCounts.count || deliveries.roundCounts[$0] < receiverCount }
        report.durationSeconds = Double(stop - start) / 1e9
        report.connections = receiverCount + 1
        report.rounds = published.sent
        report.published = published.sent
        report.publishErrors = published.failed
        report.expected = published.acked * receiverCount
        report.delivered = deliveries.delivered
        report.lost = max(0, published.acked * receiverCount - deliveries.delivered)
        report.duplicates = deliveries.duplicates
        report.latency = deliveries.latency.summary
        report.timeToLast = timeToLast.summary
        if !incomplete.isEmpty {
            report.notes.append("\(incomplete.count) rounds did not reach every connection")
        }
        if deliveries.closedConnections > 0 {
            report.notes.append("\(deliveries.closedConnections) connections were closed by the edge during the run")
        }
        return report
    }
}
