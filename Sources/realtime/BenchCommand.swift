import ArgumentParser
import Foundation
import RealtimeBench

extension BenchScenario: ExpressibleByArgument {}

/// `realtime bench <scenario>`: drives load against edges and reports throughput and latency.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Drive load against edges (loopback only) and report throughput and latency percentiles.",
        discussion: """
            Scenarios:
              fanout: S subscribers on one channel, P publishers
              channels: C channels with k members, random publishes
              presence: join/leave/update churn, members consistency
              connections: N idle connections, connect rate, edge RSS
              broadcast: one broadcast per interval to N connections
              sweep: one publisher (--via socket|http) at rising --rates; highest clean rate and its p99
              storm: N clients connect and join at once; time until all have joined
            Connections and publishers go round-robin over the --url edges.
            """)

    @Argument(help: "fanout | channels | presence | connections | broadcast | sweep | storm") var scenario: BenchScenario
    @Option(name: .customLong("url"), help: "Edge WebSocket URL, ws://127.0.0.1:PORT[/realtime/]; repeatable.") var urls: [String] = []
    @Option(help: "Seconds of measured load (connections: seconds to hold them).") var duration: Double = 10
    @Option(help: "Seconds of load before measuring (fanout, channels).") var warmup: Double = 1
    @Option(help: "Load generator event loops (default: one per core).") var threads: Int?
    @Option(help: "Connections opened at once during setup.") var concurrency: Int = 128
    @Option(help: "Approximate message size in bytes.") var size: Int = 64
    @Option(help: "Channel name (prefix for several).") var channel: String = "bench"
    @Option(help: "fanout: subscribers on the channel (default 1000).") var subscribers: Int?
    @Option(help: "fanout/channels: publishing connections (default 2 / 4).") var publishers: Int?
    @Option(help: "Total messages/s over all publishers; 0 = closed loop as fast as acks come (fanout default 0, channels 2000).") var rate:
        Double?
    @Option(help: "Closed loop: unacknowledged messages per publisher.") var window: Int = 32
    @Option(help: "channels: number of channels (default 100); presence: channels churned (default 10).") var channels: Int?
    @Option(help: "channels: members per channel (default 10).") var members: Int?
    @Option(help: "presence: clients (default 100).") var clients: Int?
    @Option(name: .customLong("ops-rate"), help: "presence: operations per second (default 100).") var opsRate: Double?
    @Option(help: "connections/broadcast: connections to open (default 10000 / 2000).") var connections: Int?
    @Option(help: "connections: source addresses 127.0.0.2… to spread over (default one per 20000).") var sources: Int?
    @Option(name: .customLong("pid"), help: "connections: edge process id whose RSS to report; repeatable.") var pids: [Int32] = []
    @Option(help: "broadcast: rounds (default 20).") var rounds: Int?
    @Option(name: .customLong("interval-ms"), help: "broadcast: milliseconds between rounds (default 250).") var intervalMs: Int?
    @Option(help: "sweep: comma-separated publish rates, messages/s (default 100,200,400,800,1600,3200,6400).") var rates: String?
    @Option(help: "sweep: socket (message events) or http (server API, one kept-alive connection).") var via: String = "socket"
    @Option(name: .customLong("master-key"), help: "sweep --via http: the server API key.") var masterKey: String?
    @Option(
        name: .customLong("clean-p99-ms"), help: "sweep: also require p99 within this many ms for a clean step (default: no latency bound)."
    ) var cleanP99: Double?
    @Option(help: "Free-text label stored in the report.") var label: String?
    @Flag(help: "Print the report as JSON instead of a table.") var json = false

    func run() async throws {
        // A bench opens thousands of client sockets.
        raiseOpenFileLimit(logger: makeLogger(label: "realtime.bench", level: Env.value("REALTIME_LOG_LEVEL") ?? "notice"))
        var options = BenchOptions()
        options.urls = urls.isEmpty ? ["ws://127.0.0.1:8080"] : urls
        options.duration = duration
        options.warmup = warmup
        options.threads = threads
        options.concurrency = concurrency
        options.size = size
        options.channel = channel
        options.subscribers = subscribers
        options.publishers = publishers
        options.rate = rate
        options.window = window
        options.channels = channels
        options.members = members
        options.clients = clients
        options.opsRate = opsRate
        options.connections = connections
        options.sources = sources
        options.pids = pids
        options.rounds = rounds
        options.intervalMilliseconds = intervalMs
        options.label = label
        if let rates {
            options.rates = rates.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        }
        guard let transport = PublisherTransport(rawValue: via) else { throw RuntimeError("--via must be socket or http") }
        options.via = transport
        options.masterKey = masterKey
        if let cleanP99 { options.cleanP99Milliseconds = cleanP99 }
        let report: BenchReport
        do {
            report = try await RealtimeBench.run(scenario, options: options)
        } catch let error as BenchError {
            throw RuntimeError(error.description)
        }
        if json {
            FileHandle.standardOutput.write(try report.jsonData())
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print(report.table, terminator: "")
        }
    }
}
