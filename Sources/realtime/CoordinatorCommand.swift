import ArgumentParser
import Foundation
import RealtimeCoordinator
import RealtimeRedis

struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Track node health, clean up dead nodes, and serve cluster stats, metrics and the dashboard.")

    @Option(help: "Listen port (REALTIME_PORT).") var port: Int?
    @Option(help: "Listen address (REALTIME_HOST).") var host: String?
    @OptionGroup var redis: RedisFlags
    @Option(
        name: .customLong("dead-after"), help: "Seconds without a heartbeat before a node is dead and cleaned up (REALTIME_DEAD_AFTER).")
    var deadAfter: Double?
    @Option(help: "This coordinator's id, stored in the leader lease (REALTIME_COORDINATOR_ID).") var id: String?
    @OptionGroup var logging: LoggingFlags

    func validate() throws {
        if let deadAfter, !(deadAfter >= 2.5 && deadAfter <= 3600) {
            // Below ~2.5 s a node that merely missed two beats (2 s: suspect) would be cleaned up.
            throw ValidationError("--dead-after must be between 2.5 and 3600 seconds")
        }
    }

    func run() async throws {
        var config = CoordinatorConfiguration()
        config.coordinatorId = id ?? Env.value("REALTIME_COORDINATOR_ID") ?? CoordinatorConfiguration.defaultId()
        let logger = try logging.bootstrap(label: "realtime.coordinator", node: config.coordinatorId)
        raiseOpenFileLimit(logger: logger)
        config.port = port ?? Env.int("REALTIME_PORT") ?? 8090
        config.host = host ?? Env.value("REALTIME_HOST") ?? "127.0.0.1"
        try PlaceholderSecrets.refuse(redis.secrets)
        config.redis = redis.options(defaultURL: "redis://127.0.0.1:6379") ?? RedisOptions(url: "redis://127.0.0.1:6379")
        let envDeadAfter = Env.value("REALTIME_DEAD_AFTER").flatMap(Double.init)
        if let seconds = deadAfter ?? envDeadAfter {
            guard seconds >= 2.5 && seconds <= 3600 else {
                throw ValidationError("REALTIME_DEAD_AFTER must be between 2.5 and 3600 seconds")
            }
            config.deadAfter = .milliseconds(Int64(seconds * 1000))
        }
        let coordinator: Coordinator
        do {
            coordinator = try Coordinator(configuration: config, logger: logger)
        } catch {
            throw ValidationError("\(error)")
        }
        try await coordinator.run()
    }
}
