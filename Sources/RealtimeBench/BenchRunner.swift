import NIOCore
import NIOPosix
import SocketIOClient
import SocketIOProtocol

/// Entry point of `realtime bench`: one scenario against the given edges.
public enum RealtimeBench {
    public static func run(_ scenario: BenchScenario, options: BenchOptions) async throws -> BenchReport {
        guard !options.urls.isEmpty else { throw BenchError("give at least one --url ws://127.0.0.1:PORT") }
        let targets = try options.urls.map { (url) throws(BenchError) in try BenchTarget(url: url) }
        guard options.duration > 0, options.duration <= 3600 else { throw BenchError("--duration must be in (0, 3600] seconds") }
        let threads = max(1, options.threads ?? System.coreCount)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let context = BenchContext(group: group, targets: targets, options: options)
        do {
            let report: BenchReport
            switch scenario {
            case .fanout: report = try await FanoutScenario.run(context)
            case .channels: report = try await ChannelsScenario.run(context)
            case .presence: report = try await PresenceScenario.run(context)
            case .connections: report = try await ConnectionsScenario.run(context)
            case .broadcast: report = try await BroadcastScenario.run(context)
            case .sweep: report = try await SweepScenario.run(context)
            case .storm: report = try await StormScenario.run(context)
            }
            try? await group.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }
}

/// What every scenario gets: the load generator's loops, the edges, the options.
struct BenchContext: Sendable {
    let group: MultiThreadedEventLoopGroup
    let loops: [any EventLoop]
    let targets: [BenchTarget]
    let options: BenchOptions

    init(group: MultiThreadedEventLoopGroup, targets: [BenchTarget], options: BenchOptions) {
        self.group = group
        self.loops = Array(group.makeIterator())
        self.targets = targets
        self.options = options
    }

    /// Connection `i` goes to edge `i % edges` on loop `i % loops`.
    func connector(for index: Int) -> SocketIOConnector { SocketIOConnector(endpoint: targets[index % targets.count].endpoint) }
    func loop(for index: Int) -> any EventLoop { loops[index % loops.count] }

    func report(_ scenario: BenchScenario) -> BenchReport {
        BenchReport(scenario: scenario, label: options.label, urls: targets.map(\.description))
    }

    /// Opens `count` things with at most `options.concurrency` in flight; keeps
    /// going past failures and reports how many failed and the first error.
    func openMany<T: Sendable>(
        _ count: Int,
        concurrency: Int? = nil,
        _ open: @escaping @Sendable (Int) async throws -> T
    ) async -> (opened: [T], failures: Int, firstError: String?) {
        let limit = max(1, concurrency ?? options.concurrency)
        var opened: [T] = []
        opened.reserveCapacity(count)
        var failures = 0
        var firstError: String?
        await withTaskGroup(of: Result<T, any Error>.self) { group in
            var next = 0
            func launch() {
                let index = next
                next += 1
                group.addTask {
                    do { return .success(try await open(index)) } catch { return .failure(error) }
                }
            }
            while next < min(limit, count) { launch() }
            for await result in group {
                switch result {
                case .success(let value): opened.append(value)
                case .failure(let error):
                    failures += 1
                    if firstError == nil { firstError = "\(error)" }
                }
                if next < count { launch() }
            }
        }
        return (opened, failures, firstError)
    }

    /// Closes sockets, a bounded number at a time.
    func closeAll(_ sockets: [SocketIOConnection]) async {
        _ = await openMany(sockets.count, concurrency: 512) { i in await sockets[i].closeAndWait() }
    }
}

/// Sleeps until a monotonic instant.
func sleep(until nanos: UInt64) async {
    let now = monotonicNanos()
    guard nanos > now else { return }
    try? await Task.sleep(for: .nanoseconds(Int64(nanos - now)))
}

func seconds(_ value: Double) -> UInt64 { UInt64(max(0, value) * 1e9) }

func describe(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
