import ArgumentParser
import Foundation
import Logging
import RealtimeCore
import RealtimeRedis

/// `realtime config get|set`: reads or replaces the cluster's settings in Redis;
/// every edge applies a change within a second (it is announced on the control topic).
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change the settings in force (stored in Redis).",
        subcommands: [Get.self, Set.self])

    struct Options: ParsableArguments {
        @Option(help: "Redis URL (REALTIME_REDIS).") var redis: String?

        func store() throws -> RedisSettingsStore {
            guard let url = redis ?? Env.value("REALTIME_REDIS") else {
                throw ValidationError("--redis is required (settings live in Redis; a single in-memory edge is configured through PUT /api/v1/config)")
            }
            return try RedisSettingsStore(url: url, logger: Logger(label: "realtime.config"))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the settings JSON.")
        @OptionGroup var options: Options

        func run() async throws {
            let store = try options.store()
            let stored = try await store.load()
            await store.close()
            let settings = stored ?? .default
            print(String(decoding: SettingsCoding.encode(settings), as: UTF8.self))
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the settings with a JSON file (or - for stdin), validated first.")
        @OptionGroup var options: Options
        @Argument(help: "Settings JSON file, or - to read standard input.") var file: String

        func run() async throws {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: file)
            guard let data else { throw ValidationError("cannot read \(file)") }
            let settings: RealtimeSettings
            do {
                settings = try SettingsCoding.decodeValidated(data)
            } catch {
                throw ValidationError("invalid settings: \(error.description)")
            }
            let store = try options.store()
            try await store.store(settings)
            await store.close()
            print(String(decoding: SettingsCoding.encode(settings), as: UTF8.self))
        }
    }
}
