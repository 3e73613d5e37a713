import Synchronization

/// Whether the client answered the last Engine.IO ping; shared by reader and heartbeat.
final class PongTracker: Sendable {
    private let answered = Atomic<Bool>(true)

    func markAnswered() { answered.store(true, ordering: .relaxed) }
    func markPinged() { answered.store(false, ordering: .relaxed) }
    var wasAnswered: Bool { answered.load(ordering: .relaxed) }
}
