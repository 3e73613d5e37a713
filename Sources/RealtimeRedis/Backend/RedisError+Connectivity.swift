import RealtimeCore
import RedisClient

extension RedisError {
    /// Redis could not be reached (as opposed to answering with an error).
    var isConnectivity: Bool {
        switch self {
        case .notConnected, .connectionClosed, .timeout: true
        default: false
        }
    }
}
