import SocketIOProtocol
import Synchronization

/// Every text frame a test socket received, in order, until a test takes it.
final class Inbox: Sendable {
    private struct State {
        var frames: [String] = []
        var ended = false
        var pingsSeen = 0
        var failure: String?
    }
    private let state = Mutex(State())

    func append(_ frame: String) {
        state.withLock { s in
            if frame == "2" { s.pingsSeen += 1 }
            s.frames.append(frame)
        }
    }

    func end(failure: String? = nil) {
        state.withLock { s in
            s.ended = true
            if s.failure == nil { s.failure = failure }
        }
    }

    var isEnded: Bool { state.withLock { $0.ended } }
    var failure: String? { state.withLock { $0.failure } }
    var pingsSeen: Int { state.withLock { $0.pingsSeen } }
    var pending: [String] { state.withLock { $0.frames } }

    /// Removes and returns the first frame that matches.
    func take(where matches: (String) -> Bool) -> String? {
        state.withLock { s in
            guard let index = s.frames.firstIndex(where: matches) else { return nil }
            return s.frames.remove(at: index)
        }
    }
}

extension String {
    /// The Socket.IO packet in this Engine.IO frame, if it is a MESSAGE that decodes.
    var socketIOPacket: SocketIOPacket? {
        guard hasPrefix("4"), case .message(let packet)? = try? EngineIOCodec.decode(Array(utf8)) else { return nil }
        return packet
    }
}
