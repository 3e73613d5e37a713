import NIOConcurrencyHelpers
import RedisClient

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A throwaway `redis-server` process on a free loopback port, so tests
/// exercise the real protocol. Use it through `withRedisServer`, which kills the
/// process even when the test fails, or, for one server shared by a whole suite,
/// start it in a scope that always calls `stop()` (a Swift Testing scoping trait,
/// see Tests/BackendContractTests). Nothing kills it when the test process dies
/// without running that scope's end.
public final class RedisServer: Sendable {
    public let port: Int
    private let extraArguments: [String]
    private let pid: NIOLockedValueBox<pid_t?>

    private init(port: Int, extraArguments: [String], pid: pid_t) {
        self.port = port
        self.extraArguments = extraArguments
        self.pid = NIOLockedValueBox(pid)
    }

    public var configuration: RedisConfiguration {
        RedisConfiguration(host: "127.0.0.1", port: self.port)
    }

    /// `redis://127.0.0.1:<port>`, for APIs configured by URL.
    public var url: String {
        "redis://127.0.0.1:\(self.port)"
    }

    /// Starts a server; picks another port if the chosen one was taken in
    /// the meantime (the free-port probe and redis' bind are not atomic).
    public static func start(arguments: [String] = []) throws -> RedisServer {
        var lastError: any Error = TestServerError.didNotStart("no attempt")
        for _ in 0..<5 {
            let port = try freePort()
            do {
                let pid = try launch(port: port, arguments: arguments)
                return RedisServer(port: port, extraArguments: arguments, pid: pid)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// SIGKILL, like a crash: clients see their connections drop at once.
    public func stop() {
        guard
            let pid = self.pid.withLockedValue({ pid in
                defer { pid = nil }
                return pid
            })
        else {
            return
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Starts the server again on the same port.
    public func start() throws {
        precondition(self.pid.withLockedValue { $0 } == nil, "already running")
        var lastError: any Error = TestServerError.didNotStart("no attempt")
        for _ in 0..<5 {
            do {
                let pid = try Self.launch(port: self.port, arguments: self.extraArguments)
                self.pid.withLockedValue { $0 = pid }
                return
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw lastError
    }

    public func restart() throws {
        self.stop()
        try self.start()
    }

    // MARK: Process and socket plumbing

    private static func launch(port: Int, arguments: [String]) throws -> pid_t {
        let argv =
            [
                "redis-server", "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no",
            ] + arguments
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        // Keep redis' banner and log out of the test output.
        posix_spawn_file_actions_addopen(&fileActions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 2, "/dev/null", O_WRONLY, 0)

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, "redis-server", &fileActions, nil, &cArguments, environ)
        guard status == 0 else {
            throw TestServerError.didNotStart("posix_spawnp failed with \(status); is redis-server installed?")
        }

        // Ready once it accepts TCP connections; give up if it exited
        // (typically: port already in use).
        for _ in 0..<500 {
            var exitStatus: Int32 = 0
            if waitpid(pid, &exitStatus, WNOHANG) == pid {
                throw TestServerError.didNotStart("redis-server exited on port \(port)")
            }
            if canConnect(port: port) {
                return pid
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, nil, 0)
        throw TestServerError.didNotStart("redis-server did not listen on port \(port)")
    }

    /// Asks the kernel for a free port by binding port 0.
    private static func freePort() throws -> Int {
        let (fd, port) = try bindLoopbackPort()
        close(fd)
        return port
    }

    /// A socket bound to a kernel-chosen loopback port, not listening: while
    /// it is open, nobody else gets the port and connections to it are
    /// refused.
    public static func bindLoopbackPort() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw TestServerError.didNotStart("socket() failed")
        }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw TestServerError.didNotStart("bind() failed")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            return false
        }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

public enum TestServerError: Error {
    case didNotStart(String)
}

/// Runs `body` against a fresh redis-server and kills it afterwards, whether
/// `body` returns, throws or records failed expectations.
@discardableResult
public func withRedisServer<Result>(
    arguments: [String] = [],
    _ body: (RedisServer) async throws -> Result
) async throws -> Result {
    let server = try RedisServer.start(arguments: arguments)
    defer { server.stop() }
    return try await body(server)
}

/// Runs `body` with a loopback port on which nothing listens (connections
/// are refused) and which no other test can take meanwhile.
@discardableResult
public func withUnusedPort<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
    let (fd, port) = try RedisServer.bindLoopbackPort()
    defer { close(fd) }
    return try await body(port)
}
