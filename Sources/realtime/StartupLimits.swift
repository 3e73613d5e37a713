import Logging
import RealtimeCore

/// Every long-running process raises its soft open-file limit to the hard one
/// before it opens sockets, and says so: a limit left at 1024 is the usual reason a
/// node stops accepting connections under load.
func raiseOpenFileLimit(logger: Logger) {
    guard let (before, after) = OpenFileLimit.raiseSoftToHard() else {
        logger.warning("cannot read the open-file limit (getrlimit failed)")
        return
    }
    let metadata: Logger.Metadata = [
        "soft": "\(after.soft)", "hard": "\(after.hard)", "softAtStart": "\(before.soft)",
    ]
    if after.soft < after.hard {
        logger.warning("open-file limit: could not raise the soft limit to the hard one", metadata: metadata)
    } else {
        logger.notice("open-file limit", metadata: metadata)
    }
}
