import RealtimeClient
import RealtimeTestSupport
import Synchronization

/// Everything one client observed, in order, through its `events()` stream.
final class EventLog: Sendable {
    private final class Storage: Sendable {
        let events = Mutex<[RealtimeEvent]>([])
    }

    private let storage = Storage()
    private let reader: Task<Void, Never>

    init(_ client: RealtimeClient) {
        let stream = client.events()
        let storage = self.storage
        reader = Task {
            for await event in stream { storage.events.withLock { $0.append(event) } }
        }
    }

    deinit { reader.cancel() }

    var all: [RealtimeEvent] { storage.events.withLock { $0 } }

    /// Every recorded event `match` picks something out of.
    func matching<T>(_ match: (RealtimeEvent) -> T?) -> [T] {
        all.compactMap(match)
    }

    /// Waits until some recorded event matches, and returns the first match.
    func wait<T: Sendable>(
        _ what: String, within limit: Duration = .seconds(10), _ match: @escaping @Sendable (RealtimeEvent) -> T?
    ) async throws -> T {
        var found: T?
        _ = await eventually(within: limit) {
            found = self.all.lazy.compactMap(match).first
            return found != nil
        }
        guard let found else { throw TestTimeout(what: what) }
        return found
    }
}

/// Pattern helpers for EventLog matches.
extension RealtimeEvent {
    func presence(_ kind: PresenceChange.Kind, channel: String, id: String? = nil) -> PresenceChange? {
        guard case .presence(let change) = self, change.kind == kind, change.channel == channel,
            id == nil || change.member.id == id
        else { return nil }
        return change
    }

    func message(_ eventName: String) -> ChannelMessage? {
        guard case .message(let message) = self, message.eventName == eventName else { return nil }
        return message
    }

    var connectedId: (id: String, reconnected: Bool)? {
        guard case .connected(let id, let reconnected) = self else { return nil }
        return (id, reconnected)
    }
}

/// The code of the RealtimeClientError a call throws, or nil when it succeeds.
func errorCode(_ call: () async throws -> Void) async -> RealtimeClientError.Code? {
    do {
        try await call()
        return nil
    } catch let error as RealtimeClientError {
        return error.code
    } catch {
        return RealtimeClientError.Code(rawValue: "unexpected \(type(of: error))")
    }
}
