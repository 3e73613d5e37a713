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
        @OptionGroup var redis: RedisFlags

        /// A store whose Redis answered: a wrong password or CA fails here, clearly.
        func store() async throws -> RedisSettingsStore {
            guard let options = redis.options() else {
                throw ValidationError(
                    "--redis is required (settings live in Redis; a single in-memory edge is configured through PUT /api/v1/config)")
            }
            let store = try RedisSettingsStore(options, logger: Logger(label: "realtime.config"))
            do {
                try await store.check()
            } catch {
                await store.close()
                throw ValidationError("\(error)")
            }
            return store
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the stored settings JSON (with its version).")
        @OptionGroup var options: Options

        func run() async throws {
            let store = try await options.store()
            let stored = try await store.load()
            await store.close()
            guard let stored else {
                // Printing defaults here would look like the settings in force; they are not.
                printError(
                    "no settings are stored in Redis: edges enforce their own until one writes them back "
                        + "(within a second) or seeds them from --settings at startup")
                throw ExitCode(3)
            }
            print(String(decoding: SettingsCoding.encode(stored), as: UTF8.self))
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the settings with a JSON file (or - for stdin), validated first; the version is raised.")
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
            let store = try await options.store()
            do {
                try await Self.replace(with: settings, in: store)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }

        private static func replace(with settings: RealtimeSettings, in store: RedisSettingsStore) async throws {
            // With nothing stored, the running edges write theirs back within a
            // second; waiting for that lets this change get a version above theirs
            // (a lower one would lose to their write-back).
            var previous = try await store.load()
            for _ in 0..<30 where previous == nil {
                try await Task.sleep(for: .milliseconds(100))
                previous = try await store.load()
            }
            let stored = try await store.store(settings, above: previous?.version ?? 0)
            if let previous {
                for (field, change) in SettingsChanges.between(previous, stored).sorted(by: { $0.key < $1.key }) {
                    printError("\(field): \(change)")
                }
            }
            print(String(decoding: SettingsCoding.encode(stored), as: UTF8.self))
        }
    }
}

private func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
