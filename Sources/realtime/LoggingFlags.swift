import ArgumentParser
import Logging
import RealtimeCore

/// `--log-level` and `--log-format`, shared by the long-running processes. The format
/// is chosen once per process, before any logger exists, so every library's logs
/// (Hummingbird's, the Redis client's) come out in the same format.
struct LoggingFlags: ParsableArguments {
    @Option(name: .customLong("log-level"), help: "trace|debug|info|notice|warning|error|critical (REALTIME_LOG_LEVEL, default info).")
    var level: String?
    @Option(name: .customLong("log-format"), help: "text|json: json writes one object per line (REALTIME_LOG_FORMAT, default text).")
    var format: String?

    enum Format: String { case text, json }

    func validate() throws {
        _ = try resolved()
    }

    private func resolved() throws -> (level: Logger.Level, format: Format) {
        let levelText = level ?? Env.value("REALTIME_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError(
                "--log-level (REALTIME_LOG_LEVEL) must be trace, debug, info, notice, warning, error or critical, not \(levelText)")
        }
        let formatText = format ?? Env.value("REALTIME_LOG_FORMAT") ?? "text"
        guard let format = Format(rawValue: formatText.lowercased()) else {
            throw ValidationError("--log-format (REALTIME_LOG_FORMAT) must be text or json, not \(formatText)")
        }
        return (level, format)
    }

    /// Installs the process's log handler and returns its main logger. `node` names
    /// the process in JSON lines (the edge's node id, the coordinator's id).
    func bootstrap(label: String, node: String) throws -> Logger {
        let (level, format) = try resolved()
        switch format {
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label, node: node)
                handler.logLevel = level
                return handler
            }
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
