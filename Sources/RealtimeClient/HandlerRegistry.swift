import Synchronization

/// Identifies one registered handler; pass it to ``RealtimeClient/off(_:)``.
public struct HandlerToken: Hashable, Sendable {
    let id: UInt64
}

/// The callbacks and event streams of one client. Dispatch happens on the
/// client's own dispatcher task, never on a network event loop, so a slow
/// handler delays only later events, not the connection.
final class HandlerRegistry: Sendable {
    enum Filter: Sendable, Equatable {
        case all
        case message(String)
        case presence(PresenceChange.Kind)
        case userEvent, connect, disconnect, reconnectAttempt, error
    }

    private struct Entry {
        let filter: Filter
        let callback: @Sendable (RealtimeEvent) -> Void
        /// For `events()` streams: ends the stream when the client closes.
        var finish: (@Sendable () -> Void)?
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        /// Registration order, so handlers run in the order they were added.
        var order: [UInt64] = []
        var nextId: UInt64 = 1
    }

    private let state = Mutex(State())

    func add(
        _ filter: Filter, finish: (@Sendable () -> Void)? = nil, _ callback: @escaping @Sendable (RealtimeEvent) -> Void
    ) -> HandlerToken {
        state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.entries[id] = Entry(filter: filter, callback: callback, finish: finish)
            state.order.append(id)
            return HandlerToken(id: id)
        }
    }

    func remove(_ token: HandlerToken) {
        state.withLock { state in
            state.entries[token.id] = nil
            state.order.removeAll { $0 == token.id }
        }
    }

    /// Removes every handler registered with `on(eventName)` for that name.
    func removeMessageHandlers(_ eventName: String) {
        state.withLock { state in
            let doomed = state.entries.filter { $0.value.filter == .message(eventName) }.map(\.key)
            for id in doomed { state.entries[id] = nil }
            state.order.removeAll { doomed.contains($0) }
        }
    }

    /// Ends and removes every `events()` stream; callbacks stay registered.
    func finishStreams() {
        let finishers = state.withLock { state -> [@Sendable () -> Void] in
            let streams = state.entries.filter { $0.value.finish != nil }
            for id in streams.keys { state.entries[id] = nil }
            state.order.removeAll { streams.keys.contains($0) }
            return streams.values.compactMap(\.finish)
        }
        for finish in finishers { finish() }
    }

    func dispatch(_ event: RealtimeEvent) {
        let filter = Self.filter(of: event)
        // Callbacks run outside the lock: a handler may add or remove handlers.
        let callbacks = state.withLock { state in
            state.order.compactMap { id -> (@Sendable (RealtimeEvent) -> Void)? in
                guard let entry = state.entries[id], entry.filter == .all || entry.filter == filter else { return nil }
                return entry.callback
            }
        }
        for callback in callbacks { callback(event) }
    }

    private static func filter(of event: RealtimeEvent) -> Filter {
        switch event {
        case .connected: .connect
        case .disconnected: .disconnect
        case .reconnectAttempt: .reconnectAttempt
        case .message(let message): .message(message.eventName)
        case .presence(let change): .presence(change.kind)
        case .userEvent: .userEvent
        case .error: .error
        }
    }
}
