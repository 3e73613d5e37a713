import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// On the listening socket: counts and logs the connections the kernel queued but
/// the process could not accept because it is out of descriptors (EMFILE: this
/// process, ENFILE: the whole system). NIO backs off and retries on its own; without
/// this those clients would just hang, unexplained.
final class AcceptFailureMonitor: ChannelInboundHandler {
    typealias InboundIn = any Channel

    /// One log line per interval at most: under exhaustion every accept fails.
    static let logInterval = TimeAmount.seconds(1)

    private let stats: NodeStats
    private let logger: Logger
    private var lastLog: NIODeadline?
    private var sinceLastLog = 0

    init(stats: NodeStats, logger: Logger) {
        self.stats = stats
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, error.errnoCode == EMFILE || error.errnoCode == ENFILE {
            stats.acceptFailures.add(1, ordering: .relaxed)
            sinceLastLog += 1
            let now = NIODeadline.now()
            if lastLog.map({ now - $0 >= Self.logInterval }) ?? true {
                let limits = OpenFileLimitSnapshot.current()
                logger.error(
                    "cannot accept connections: out of file descriptors",
                    metadata: [
                        "errno": "\(error.errnoCode == EMFILE ? "EMFILE" : "ENFILE")",
                        "refused": "\(sinceLastLog)", "openFiles": "\(limits.open)", "softLimit": "\(limits.soft)",
                    ])
                lastLog = now
                sinceLastLog = 0
            }
        }
        context.fireErrorCaught(error)
    }
}
