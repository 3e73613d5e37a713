import NIOCore
import SocketIOClient

#if canImport(Glibc)
    import Glibc
#endif

/// Opens N idle Socket.IO connections from several loopback source addresses (to
/// get past one address's ephemeral ports), holds them, and reports the connect
/// rate and the edges' resident memory per connection.
enum ConnectionsScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let options = context.options
        let count = options.connections ?? 10_000
        let sourceCount = max(1, min(250, options.sources ?? max(1, (count + 19_999) / 20_000)))
        var report = context.report(.connections)
        report.parameters = [
            "connections": "\(count)", "sources": "\(sourceCount)",
            "concurrency": "\(options.concurrency)", "hold": describe(options.duration),
            "loops": "\(context.loops.count)",
        ]
        if let limit = openFileLimit(), limit < UInt64(count + 64) {
            report.notes.append("this process may open \(limit) files; connections past that fail (raise ulimit -n)")
        }
        let sources = try (0..<sourceCount).map { try SocketAddress(ipAddress: "127.0.0.\(2 + $0)", port: 0) }

        let rssBefore = options.pids.map { (pid: $0, kib: residentKiB(pid: $0)) }
        let benchBefore = residentKiB(pid: nil)
        let handshakes = Locked(LatencyHistogram())
        let began = monotonicNanos()
        let opened = await context.openMany(count) { i in
            let t0 = monotonicNanos()
            let socket = try await context.connector(for: i).connect(on: context.loop(for: i), from: sources[i % sources.count])
            let elapsed = monotonicNanos() - t0
            handshakes.withLock { $0.record(nanos: elapsed) }
            return socket
        }
        let connectSeconds = Double(monotonicNanos() - began) / 1e9
        let sockets = opened.opened

        // Let allocations settle, then read memory while every connection is open.
        try await Task.sleep(for: .seconds(1))
        let rssAfter = options.pids.map { (pid: $0, kib: residentKiB(pid: $0)) }
        let benchAfter = residentKiB(pid: nil)
        let holdUntil = monotonicNanos() + seconds(options.duration)
        await sleep(until: holdUntil)
        let dropped = sockets.filter { !$0.isActive }.count
        await context.closeAll(sockets)

        report.durationSeconds = connectSeconds + 1 + options.duration
        report.connections = sockets.count
        report.connectErrors = opened.failures
        if let first = opened.firstError { report.notes.append("first connect error: \(first)") }
        report.connectPerSecond = Double(sockets.count) / connectSeconds
        report.handshake = handshakes.withLock { $0.summary }
        report.droppedWhileIdle = dropped
        var memory: [EdgeMemory] = []
        for (before, after) in zip(rssBefore, rssAfter) {
            guard let b = before.kib, let a = after.kib else {
                report.notes.append("cannot read /proc/\(before.pid)/status")
                continue
            }
            memory.append(EdgeMemory(pid: before.pid, rssBeforeKiB: b, rssAfterKiB: a))
        }
        if !memory.isEmpty {
            report.edgeMemory = memory
            let grown = memory.reduce(0) { $0 + $1.rssAfterKiB - $1.rssBeforeKiB }
            if !sockets.isEmpty { report.edgeRSSPerConnectionKiB = (Double(grown) / Double(sockets.count) * 100).rounded() / 100 }
        }
        if let b = benchBefore, let a = benchAfter, !sockets.isEmpty {
            report.benchRSSPerConnectionKiB = (Double(a - b) / Double(sockets.count) * 100).rounded() / 100
        }
        return report
    }

    /// VmRSS of a process (nil: this one), in KiB.
    static func residentKiB(pid: Int32?) -> Int? {
        let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmRSS:") {
                return Int(text.dropFirst("VmRSS:".count).filter(\.isNumber))
            }
        }
        return nil
    }

    static func openFileLimit() -> UInt64? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return UInt64(limit.rlim_cur)
    }
}
