extension RealtimeClient {
    /// Calls `handler` for every message sent under `eventName`, to a channel or
    /// broadcast (`channel` is nil then).
    @discardableResult
    public func on(_ eventName: String, _ handler: @escaping @Sendable (ChannelMessage) -> Void) -> HandlerToken {
        handlers.add(.message(eventName)) { if case .message(let message) = $0 { handler(message) } }
    }

    /// Removes every handler registered with ``on(_:_:)`` for `eventName`.
    public func off(_ eventName: String) {
        handlers.removeMessageHandlers(eventName)
    }

    /// Removes one handler, whatever its kind.
    public func off(_ token: HandlerToken) {
        handlers.remove(token)
    }

    @discardableResult
    public func onJoin(_ handler: @escaping @Sendable (PresenceChange) -> Void) -> HandlerToken {
        presence(.join, handler)
    }

    @discardableResult
    public func onLeave(_ handler: @escaping @Sendable (PresenceChange) -> Void) -> HandlerToken {
        presence(.leave, handler)
    }

    @discardableResult
    public func onUpdate(_ handler: @escaping @Sendable (PresenceChange) -> Void) -> HandlerToken {
        presence(.update, handler)
    }

    /// `user:signin`, `user:signout`, `user:pwdchange`, … for this connection's user.
    @discardableResult
    public func onUserEvent(_ handler: @escaping @Sendable (UserEvent) -> Void) -> HandlerToken {
        handlers.add(.userEvent) { if case .userEvent(let event) = $0 { handler(event) } }
    }

    /// After each accepted handshake: the socket id, and whether it is a reconnection.
    @discardableResult
    public func onConnect(_ handler: @escaping @Sendable (_ id: String, _ reconnected: Bool) -> Void) -> HandlerToken {
        handlers.add(.connect) { if case .connected(let id, let reconnected) = $0 { handler(id, reconnected) } }
    }

    @discardableResult
    public func onDisconnect(_ handler: @escaping @Sendable (_ reason: String) -> Void) -> HandlerToken {
        handlers.add(.disconnect) { if case .disconnected(let reason) = $0 { handler(reason) } }
    }

    @discardableResult
    public func onReconnectAttempt(_ handler: @escaping @Sendable (_ attempt: Int, _ delay: Duration) -> Void) -> HandlerToken {
        handlers.add(.reconnectAttempt) { if case .reconnectAttempt(let attempt, let delay) = $0 { handler(attempt, delay) } }
    }

    /// `realtime:error` events (failures of calls without an ack), refused
    /// handshakes during reconnects, and failed restores after a reconnect.
    @discardableResult
    public func onError(_ handler: @escaping @Sendable (RealtimeClientError) -> Void) -> HandlerToken {
        handlers.add(.error) { if case .error(let error) = $0 { handler(error) } }
    }

    /// Every event from now on, in arrival order, until the stream is dropped or the
    /// client is closed (the stream then ends after the final `.disconnected`).
    /// Keeps the newest `limit` events if the consumer falls behind.
    public func events(bufferingNewest limit: Int = 10_000) -> AsyncStream<RealtimeEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RealtimeEvent.self, bufferingPolicy: .bufferingNewest(limit))
        let token = handlers.add(.all, finish: { continuation.finish() }) { continuation.yield($0) }
        continuation.onTermination = { [handlers] _ in handlers.remove(token) }
        return stream
    }

    private func presence(_ kind: PresenceChange.Kind, _ handler: @escaping @Sendable (PresenceChange) -> Void) -> HandlerToken {
        handlers.add(.presence(kind)) { if case .presence(let change) = $0 { handler(change) } }
    }
}
