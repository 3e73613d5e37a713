import NIOCore
import SocketIOClient
import SocketIOProtocol

/// Presence churn: clients join, leave and update their metadata at a steady
/// rate. After each acknowledged change, one observer per edge polls `members`
/// until it reflects the change: the time that takes is "members consistent".
/// At the end every edge's member list of every channel is compared with the
/// expected one.
enum PresenceScenario {
    private struct Model {
        var channelsOf: [Set<Int>]
        var version: [Int]
        var busy: [Bool]
        var random = FastRandom(seed: UInt64.random(in: 1...UInt64.max))
        var operations = 0
        var errors = 0
        var staleReads = 0
        var unconverged = 0
        var latency: [String: LatencyHistogram] = [:]
        var consistency = LatencyHistogram()
    }

    private enum Operation: String {
        case join, leave, update
    }

    static func run(_ context: BenchContext) async throws -> BenchReport {
        let options = context.options
        let clientCount = options.clients ?? 100
        let channelCount = max(1, options.channels ?? 10)
        let opsRate = max(1, options.opsRate ?? options.rate ?? 100)
        var report = context.report(.presence)
        report.parameters = [
            "clients": "\(clientCount)", "channels": "\(channelCount)", "opsPerSecond": describe(opsRate),
            "observers": "\(context.targets.count)",
        ]
        let channelNames = (0..<channelCount).map { "\(options.channel)-presence-\($0)" }

        let opened = await context.openMany(clientCount) { i in (i, try await context.connector(for: i).connect(on: context.loop(for: i))) }
        let observerList = await context.openMany(context.targets.count) { i in
            (i, try await context.connector(for: i).connect(on: context.loop(for: i)))
        }
        let clients = opened.opened.sorted { $0.0 < $1.0 }.map(\.1)
        let observers = observerList.opened.sorted { $0.0 < $1.0 }.map(\.1)
        guard opened.failures == 0, observerList.failures == 0 else {
            await context.closeAll(clients + observers)
            throw BenchError("connections failed: \(opened.firstError ?? observerList.firstError ?? "?")")
        }

        let model = Locked(
            Model(
                channelsOf: Array(repeating: [], count: clientCount),
                version: Array(repeating: 0, count: clientCount),
                busy: Array(repeating: false, count: clientCount)))

        let began = monotonicNanos()
        let stop = began + seconds(options.duration)
        let period = UInt64(1e9 / opsRate)
        await withTaskGroup(of: Void.self) { group in
            var tick: UInt64 = 0
            while true {
                let due = began + tick * period
                if due >= stop { break }
                await sleep(until: due)
                tick += 1
                // Pick an idle client and an operation that changes something.
                let pick = model.withLock { m -> (client: Int, op: Operation, channel: Int, version: Int)? in
                    for _ in 0..<8 {
                        let client = Int(m.random.next() % UInt64(clientCount))
                        guard !m.busy[client] else { continue }
                        let joined = m.channelsOf[client]
                        let roll = m.random.next() % 10
                        let op: Operation
                        if joined.isEmpty || (roll < 4 && joined.count < channelCount) {
                            op = .join
                        } else if roll < 7 {
                            op = .leave
                        } else {
                            op = .update
                        }
                        let channel: Int
                        switch op {
                        case .join:
                            let free = (0..<channelCount).filter { !joined.contains($0) }
                            channel = free[Int(m.random.next() % UInt64(free.count))]
                        case .leave, .update:
                            let list = Array(joined)
                            channel = list[Int(m.random.next() % UInt64(list.count))]
                        }
                        m.busy[client] = true
                        if op == .update { m.version[client] += 1 }
                        return (client, op, channel, m.version[client])
                    }
                    return nil
                }
                guard let pick else { continue }
                group.addTask {
                    await perform(
                        pick.op, client: pick.client, socket: clients[pick.client], channel: channelNames[pick.channel],
                        channelIndex: pick.channel, version: pick.version, observers: observers, model: model)
                }
            }
            await group.waitForAll()
        }
        let churnSeconds = Double(monotonicNanos() - began) / 1e9

        // Final check: every edge agrees with the model on every channel.
        let expected = model.withLock { m in
            channelNames.indices.map { c in
                Dictionary(
                    uniqueKeysWithValues: m.channelsOf.indices.filter { m.channelsOf[$0].contains(c) }.map {
                        (clients[$0].sid, m.version[$0])
                    })
            }
        }
        var mismatches = 0
        for (c, name) in channelNames.enumerated() {
            for observer in observers {
                guard let members = try? await observer.request("members", ["channel": .string(name)]) else {
                    mismatches += 1
                    continue
                }
                if memberVersions(members) != expected[c] { mismatches += 1 }
            }
        }
        await context.closeAll(clients + observers)

        let m = model.withLock { $0 }
        report.durationSeconds = churnSeconds
        report.connections = clientCount + observers.count
        report.operations = m.operations
        report.operationErrors = m.errors
        report.operationLatency = m.latency.mapValues(\.summary)
        report.consistency = m.consistency.summary
        report.staleReads = m.staleReads
        report.unconverged = m.unconverged
        report.finalMismatches = mismatches
        return report
    }

    private static func perform(
        _ op: Operation, client: Int, socket: SocketIOConnection, channel: String, channelIndex: Int, version: Int,
        observers: [SocketIOConnection], model: Locked<Model>
    ) async {
        let payload: JSONValue
        switch op {
        case .join, .leave: payload = ["channel": .string(channel)]
        case .update: payload = ["data": ["v": .number(Double(version)), "name": .string("client-\(client)")]]
        }
        let t0 = monotonicNanos()
        do {
            try await socket.requestOK(op.rawValue, payload)
        } catch {
            model.withLock { m in
                m.errors += 1
                m.busy[client] = false
            }
            return
        }
        let acked = monotonicNanos()
        model.withLock { m in
            m.operations += 1
            m.latency[op.rawValue, default: LatencyHistogram()].record(nanos: acked - t0)
            switch op {
            case .join: m.channelsOf[client].insert(channelIndex)
            case .leave: m.channelsOf[client].remove(channelIndex)
            case .update: break
            }
        }

        // Poll every edge until its member list shows the change.
        var slowest: UInt64 = 0
        var stale = 0
        var converged = true
        for observer in observers {
            let deadline = acked + 5_000_000_000
            var seen = false
            while !seen && monotonicNanos() < deadline {
                let q0 = monotonicNanos()
                guard let members = try? await observer.request("members", ["channel": .string(channel)]) else { break }
                let q1 = monotonicNanos()
                model.withLock { $0.latency["members", default: LatencyHistogram()].record(nanos: q1 - q0) }
                let versions = memberVersions(members)
                switch op {
                case .join: seen = versions[socket.sid] != nil
                case .leave: seen = versions[socket.sid] == nil
                case .update: seen = versions[socket.sid] == version
                }
                if seen {
                    slowest = max(slowest, q1 - acked)
                } else {
                    stale += 1
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            if !seen { converged = false }
        }
        model.withLock { m in
            m.staleReads += stale
            if converged { m.consistency.record(nanos: slowest) } else { m.unconverged += 1 }
            m.busy[client] = false
        }
    }

    /// `{data: [{id, data: {v}}]}` → member id → metadata version (0 before any update).
    private static func memberVersions(_ reply: JSONValue) -> [String: Int] {
        var result: [String: Int] = [:]
        for entry in reply["data"]?.arrayValue ?? [] {
            guard let id = entry["id"]?.stringValue else { continue }
            result[id] = entry["data"]?["v"]?.intValue ?? 0
        }
        return result
    }
}
