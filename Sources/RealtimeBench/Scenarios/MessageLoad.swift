import NIOCore
import SocketIOClient
import SocketIOProtocol

/// The publish/subscribe load shared by `fanout` (one channel) and `channels`
/// (many): subscribers join, publishers send stamped messages, subscribers
/// measure latency and sequence gaps.
struct MessageLoad {
    let context: BenchContext
    let scenario: BenchScenario
    let channels: [String]
    let membersPerChannel: Int
    let publishers: Int
    /// Total messages per second across publishers; nil or 0 = closed loop.
    let rate: Double?
    /// Socket.IO publishers, or server API ones (open loop only; one channel).
    var via: PublisherTransport = .socket

    func run() async throws -> BenchReport {
        let options = context.options
        var report = context.report(scenario)
        let subscriberCount = channels.count * membersPerChannel
        report.parameters = [
            "channels": "\(channels.count)", "membersPerChannel": "\(membersPerChannel)",
            "subscribers": "\(subscriberCount)", "publishers": "\(publishers)",
            "rate": rate.map { $0 > 0 ? describe($0) : "max" } ?? "max",
            "window": "\(options.window)", "size": "\(options.size)",
            "warmup": describe(options.warmup), "loops": "\(context.loops.count)",
        ]

        let window = MeasureWindow()
        let collectors = try await Collectors(loops: context.loops, window: window)
        let channels = self.channels
        let publisherCount = publishers

        // Subscribers: member i of channel i % C, on edge i % edges. A subscriber that
        // fails to connect or join is retried once, then left out (and reported).
        let subscribed = await context.openMany(subscriberCount) { i in
            let loop = context.loop(for: i)
            let channelIndex = i % channels.count
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let socket = try await context.connector(for: i).connect(
                        on: loop,
                        makeReceiver: {
                            DeliveryReceiver(collector: collectors.collector(on: loop), publishers: publisherCount)
                        })
                    do {
                        try await socket.requestOK("join", ["channel": .string(channels[channelIndex])])
                    } catch {
                        await socket.closeAndWait()
                        throw error
                    }
                    return (channelIndex, socket)
                } catch {
                    if attempt >= 2 { throw error }
                }
            }
        }
        let sockets = subscribed.opened.map(\.1)
        var membersOf = Array(repeating: 0, count: channels.count)
        for (channelIndex, _) in subscribed.opened { membersOf[channelIndex] += 1 }
        if subscribed.failures > 0 {
            report.setupErrors = subscribed.failures
            report.notes.append(
                "\(subscribed.failures) of \(subscriberCount) subscribers failed to connect/join and were left out; first error: \(subscribed.firstError ?? "?")"
            )
        }
        guard subscribed.failures < subscriberCount else {
            throw BenchError("no subscriber could connect/join: \(subscribed.firstError ?? "?")")
        }

        let builders = channels.map { MessageFrameBuilder(channel: $0, size: options.size) }
        let pace: PublishPace = (rate ?? 0) > 0 ? .rate(rate! / Double(publisherCount)) : .window(options.window)
        let via = self.via
        let connected = await context.openMany(publisherCount) { p -> any LoadPublisher in
            // Publishers go round the edges from the other end, so with one publisher
            // per edge every edge both publishes and receives.
            let edge = context.targets.count - 1 - p % context.targets.count
            switch via {
            case .socket:
                return try await Publisher.connect(
                    index: p, connector: context.connector(for: edge),
                    on: context.loop(for: p), builders: builders, pace: pace)
            case .http:
                guard case .rate(let perPublisher) = pace, channels.count == 1 else {
                    throw BenchError("HTTP publishers need --rate and one channel")
                }
                guard let key = options.masterKey else { throw BenchError("--via http needs --master-key") }
                let endpoint = context.targets[edge].endpoint
                return try await HTTPPublisher.connect(
                    index: p, host: endpoint.host, port: endpoint.port, on: context.loop(for: p),
                    channel: channels[0], masterKey: key, size: options.size, rate: perPublisher)
            }
        }
        let publisherList = connected.opened.sorted { $0.index < $1.index }
        guard connected.failures == 0 else {
            await context.closeAll(sockets)
            for publisher in publisherList { await publisher.close() }
            throw BenchError("publishers failed to connect: \(connected.firstError ?? "?")")
        }

        // Let the join announcements (n² channel:join deliveries) drain first.
        try await waitForQuiet(collectors: collectors, publishers: [], limit: 20)

        let start = monotonicNanos() + 100_000_000
        let end = start + seconds(options.warmup + options.duration)
        window.set(start: start + seconds(options.warmup), end: end)
        for publisher in publisherList { publisher.start(at: start, stop: end) }
        await sleep(until: end)
        try await waitForQuiet(collectors: collectors, publishers: publisherList, limit: 15)

        var published = PublisherSnapshot()
        for publisher in publisherList { published.merge(try await publisher.snapshot()) }
        let deliveries = try await collectors.merged()
        await context.closeAll(sockets)
        for publisher in publisherList { await publisher.close() }

        let measured = options.duration
        let expected = zip(published.okPerTarget, membersOf).reduce(0) { $0 + $1.0 * $1.1 }
        report.durationSeconds = options.warmup + options.duration
        report.connections = sockets.count + publisherList.count
        report.published = published.sent
        report.publishErrors = published.failed
        report.unacked = published.sent - published.acked - published.failed
        report.publishedPerSecond = Double(published.sent) / (options.warmup + options.duration)
        report.expected = expected
        report.delivered = deliveries.delivered
        report.lost = max(0, expected - deliveries.delivered)
        report.duplicates = deliveries.duplicates
        report.deliveredPerSecond = Double(deliveries.deliveredInWindow) / measured
        report.latency = deliveries.latency.summary
        if deliveries.closedConnections > 0 {
            report.notes.append("\(deliveries.closedConnections) connections were closed by the edge during the run")
        }
        if deliveries.delivered > expected {
            report.notes.append("\(deliveries.delivered - expected) deliveries of messages whose ack never came back")
        }
        return report
    }

    /// Waits until publishers have every ack and deliveries stopped moving for
    /// half a second (or `limit` seconds passed).
    private func waitForQuiet(collectors: Collectors, publishers: [any LoadPublisher], limit: Double) async throws {
        let deadline = monotonicNanos() + seconds(limit)
        var last = try await collectors.deliveredSoFar()
        var stableSince = monotonicNanos()
        while monotonicNanos() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            var outstanding = 0
            for publisher in publishers { outstanding += try await publisher.outstanding() }
            let now = try await collectors.deliveredSoFar()
            if now != last || outstanding > 0 {
                last = now
                stableSince = monotonicNanos()
            } else if monotonicNanos() - stableSince >= 500_000_000 {
                return
            }
        }
    }
}

enum FanoutScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let o = context.options
        return try await MessageLoad(
            context: context, scenario: .fanout, channels: [o.channel],
            membersPerChannel: o.subscribers ?? 1000, publishers: o.publishers ?? 2, rate: o.rate
        ).run()
    }
}

enum ChannelsScenario {
    static func run(_ context: BenchContext) async throws -> BenchReport {
        let o = context.options
        let count = o.channels ?? 100
        return try await MessageLoad(
            context: context, scenario: .channels, channels: (0..<count).map { "\(o.channel)-\($0)" },
            membersPerChannel: o.members ?? 10, publishers: o.publishers ?? 4, rate: o.rate ?? 2000
        ).run()
    }
}
