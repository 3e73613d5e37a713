import ArgumentParser

@main
struct Realtime: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realtime",
        abstract: "A clustered real-time broker speaking Socket.IO v4.",
        subcommands: [
            EdgeCommand.self, CoordinatorCommand.self, NodesCommand.self, StatsCommand.self, ConfigCommand.self, BenchCommand.self,
        ])
}
