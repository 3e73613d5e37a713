import Foundation
import Synchronization

/// A child process a test starts (redis-server, a `realtime` node, HAProxy) with
/// its output in a log file. Tests stop every process they start, even on failure,
/// through the owning harness's `stopAll`.
///
/// Spawned with `posix_spawn`, not Foundation's `Process`: the child opens its log
/// itself, so this process holds no descriptor for it, and nothing here closes a
/// descriptor another test might be using (Foundation's Process keeps and closes
/// descriptors of its own on other threads, and test suites run in parallel in one
/// process next to Redis and WebSocket connections).
public final class TestProcess: Sendable {
    public let name: String
    public let logFile: URL
    public let pid: Int32
    /// Set once the child has been reaped; its pid may then belong to someone else.
    private let reaped = Mutex(false)

    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:], logDirectory: URL) throws {
        self.name = name
        self.logFile = logDirectory.appendingPathComponent("\(name).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile.path, O_WRONLY | O_APPEND, 0)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard status == 0 else {
            throw TestTimeout(what: "\(name) to start: posix_spawn \(executable) failed with \(String(cString: strerror(status)))")
        }
        self.pid = pid
    }

    public var isRunning: Bool {
        reaped.withLock { reaped in
            guard !reaped else { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == 0 { return true }
            reaped = true  // exited (now reaped) or not our child any more
            return false
        }
    }

    /// SIGKILL, like a crash, and reaps the process.
    public func kill() {
        reaped.withLock { reaped in
            guard !reaped else { return }
            Foundation.kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            reaped = true
        }
    }

    /// The last lines of the log, for failure messages.
    public func logTail(lines: Int = 30) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}

/// Paths and ports the process harness needs.
public enum TestEnvironment {
    /// The `realtime` executable: `REALTIME_BIN`, else the one built beside the test bundle.
    public static var realtimeBinary: String {
        if let path = ProcessInfo.processInfo.environment["REALTIME_BIN"], !path.isEmpty { return path }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory, bundleDirectory.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("realtime").path
            if FileManager.default.isExecutableFile(atPath: binary) { return binary }
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/realtime").path
    }

    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// First match on PATH (plus the usual sbin directories, where Debian puts haproxy).
    public static func which(_ tool: String) -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/bin"
        return path.split(separator: ":").map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A TCP port that was free on 127.0.0.1 a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestTimeout(what: "a socket for a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw TestTimeout(what: "a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A fresh directory for one test's logs and config files.
    public static func makeWorkDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
