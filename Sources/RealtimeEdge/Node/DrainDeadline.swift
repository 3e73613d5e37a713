import Foundation
import Logging

/// The hard bound on a SIGTERM'd edge's exit. A graceful stop waits for clients
/// (sessions cleaning up, the HTTP server waiting for its connections to close), and
/// a client that never answers must not hold the process: past the deadline it exits.
enum DrainDeadline {
    static func start(after timeout: Duration, logger: Logger, openConnections: @escaping @Sendable () -> Int) {
        Thread.detachNewThread {
            // A thread, not a task: it must fire even if every executor is stuck.
            Thread.sleep(forTimeInterval: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
            logger.warning(
                "drain timeout reached: exiting",
                metadata: [
                    "drainTimeout": "\(timeout)", "openConnections": "\(openConnections())",
                ])
            exit(0)
        }
    }
}
