/// One publisher at rising rates: the highest rate it gets through cleanly (every
/// message acked and delivered, deliveries keeping up with the offered rate, and p99
/// within `cleanP99Milliseconds` when one is given) and the p99 there. A
/// per-connection cap shows up here and not in the many-publisher scenarios.
enum SweepScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let o = context.options
        let subscribers = o.subscribers ?? 200
        var report = context.report(.sweep)
        report.parameters = [
            "via": o.via.rawValue, "subscribers": "\(subscribers)", "rates": o.rates.map(describe).joined(separator: ","),
            "stepSeconds": describe(o.duration), "cleanP99ms": o.cleanP99Milliseconds.map(describe) ?? "any", "size": "\(o.size)",
        ]
        var best: (rate: Double, p99: Double, delivered: Double)?
        var lastKeptUp = true
        for (step, rate) in o.rates.enumerated() {
            let load = MessageLoad(
                context: context, scenario: .sweep, channels: ["\(o.channel)-sweep-\(step)"],
                membersPerChannel: subscribers, publishers: 1, rate: rate, via: o.via)
            let result = try await load.run()
            let p99 = result.latency?.p99 ?? .infinity
            // Keeping up: the window's deliveries are (nearly) what was offered.
            let offered = rate * Double(subscribers)
            let keptUp = (result.deliveredPerSecond ?? 0) >= 0.95 * offered
            let clean =
                keptUp && (result.lost ?? 0) == 0 && (result.unacked ?? 0) == 0 && (result.publishErrors ?? 0) == 0
                && (result.setupErrors ?? 0) == 0 && p99 <= (o.cleanP99Milliseconds ?? .infinity)
            report.notes.append(
                String(
                    format: "%@ %@/s: delivered %.0f/s, p50 %.1f ms, p99 %.1f ms, lost %d, unacked %d%@",
                    o.via.rawValue, describe(rate), result.deliveredPerSecond ?? 0, result.latency?.p50 ?? 0, p99,
                    result.lost ?? 0, result.unacked ?? 0, clean ? " (clean)" : ""))
            if clean {
                best = (rate, p99, result.deliveredPerSecond ?? 0)
            } else if !lastKeptUp && !keptUp {
                break  // saturated twice in a row: higher rates only take longer to fail
            }
            lastKeptUp = keptUp
            report.durationSeconds += result.durationSeconds
        }
        report.parameters["highestCleanRate"] = best.map { describe($0.rate) } ?? "none"
        if let best {
            report.parameters["p99AtHighestCleanMs"] = String(format: "%.1f", best.p99)
            report.deliveredPerSecond = best.delivered
        }
        return report
    }
}
