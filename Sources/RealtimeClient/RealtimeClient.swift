import NIOCore
import NIOPosix
import SocketIOClient
import SocketIOProtocol
import Synchronization

/// A client of the realtime broker with the original Agnost API: `open`,
/// `join`, `leave`, `getMembers`, `send`, `broadcast`, `updateProfile`, and
/// handlers (`on`, `onJoin`, `onUserEvent`, …) or an `AsyncStream` of events.
///
/// It speaks Socket.IO v4 over WebSocket to any edge or load balancer. When the
/// connection drops it reconnects with jittered exponential backoff (rotating
/// through the given URLs), re-sends the last profile and re-joins every
/// channel it had joined, then releases the calls made in the meantime.
///
/// A client keeps its connection (and reconnects) until ``close()``, which also ends
/// every ``events(bufferingNewest:)`` stream.
///
/// ```swift
/// let client = RealtimeClient(url: "ws://127.0.0.1:8080", options: .init(apiKey: key))
/// client.onJoin { change in print(change.member.id, "joined", change.channel) }
/// client.on("chat") { message in print(message.message) }
/// try await client.open()
/// try await client.updateProfile(["name": "ada"])
/// try await client.join("lobby")
/// try await client.send("lobby", "chat", ["text": "hello"])
/// ```
public final class RealtimeClient: Sendable {
    public let options: RealtimeClientOptions
    let endpoints: [SocketIOEndpoint]
    let handlers = HandlerRegistry()
    let state = Mutex(ClientState())
    /// The session to recover after a lost connection, when the server offers it.
    let position = RecoveryPosition()
    let inbox: AsyncStream<ClientInbound>.Continuation
    private let dispatcher: Task<Void, Never>
    private let group: any EventLoopGroup

    /// `url`: `ws://host:port` or `http://host:port` of an edge or load balancer.
    /// An invalid URL surfaces as an error from ``open()``.
    public convenience init(url: String, options: RealtimeClientOptions = .init()) {
        self.init(urls: [url], options: options)
    }

    /// Several URLs: each reconnect attempt tries the next one, so the client
    /// finds a live edge even without a load balancer.
    public init(urls: [String], options: RealtimeClientOptions = .init()) {
        self.options = options
        self.endpoints = urls.compactMap { try? SocketIOEndpoint(url: $0, defaultPath: options.path) }
        self.invalidURL = urls.first { (try? SocketIOEndpoint(url: $0, defaultPath: options.path)) == nil }
        self.group = MultiThreadedEventLoopGroup.singleton
        let (stream, continuation) = AsyncStream.makeStream(of: ClientInbound.self)
        self.inbox = continuation
        let handlers = self.handlers
        self.dispatcher = Task {
            for await item in stream {
                switch item {
                case .event(let event): handlers.dispatch(event)
                case .finishStreams: handlers.finishStreams()
                }
            }
        }
    }

    private let invalidURL: String?

    deinit {
        let supervisor = state.withLock { $0.supervisor }
        supervisor?.cancel()
        state.withLock { $0.connection }?.close()
        inbox.finish()
    }

    /// The last handshake recovered the session (socket.io 4.6+ connection state
    /// recovery): same id, channels and metadata, and every message missed in between
    /// was delivered; nothing was re-sent.
    public var recovered: Bool { position.recovered }

    /// The socket id of the current connection: the `id` other members see.
    public var id: String? { state.withLock { $0.connection?.sid } }

    public var isConnected: Bool { state.withLock { $0.connection != nil } }

    /// Connects and completes once the server accepted the handshake. Throws the
    /// server's refusal code (`invalid_api_key`, `missing_session_token`, …) or
    /// ``RealtimeClientError/Code/connectionFailed``; no reconnect follows a failed `open`.
    public func open() async throws(RealtimeClientError) {
        if let invalidURL {
            throw RealtimeClientError(.connectionFailed, "invalid URL \(invalidURL)")
        }
        guard !endpoints.isEmpty else { throw RealtimeClientError(.connectionFailed, "no URL given") }
        let proceed = state.withLock { state -> Bool in
            switch state.phase {
            case .connected, .connecting: return false
            case .idle, .closed:
                state.phase = .connecting
                return true
            }
        }
        guard proceed else { return }
        let attempt: (SocketIOConnection, SessionEnd)
        do {
            attempt = try await connectOnce(attempt: 0)
        } catch {
            let waiters = state.withLock { state in
                state.phase = .idle
                return state.takeWaiters()
            }
            for waiter in waiters { waiter.resume(throwing: error) }
            throw error
        }
        let (connection, end) = attempt
        guard install(connection) else {
            connection.close()
            throw RealtimeClientError(.closed, "closed while opening")
        }
        let supervisor = Task { await self.supervise(connection, end) }
        state.withLock { $0.supervisor = supervisor }
    }

    /// Disconnects for good: no reconnect; waiting calls fail with
    /// ``RealtimeClientError/Code/closed``. ``open()`` may be called again later.
    public func close() async {
        position.forget()
        let (connection, supervisor, waiters) = state.withLock { state in
            let connection = state.connection
            state.phase = .closed
            let supervisor = state.supervisor
            state.supervisor = nil
            return (connection, supervisor, state.takeWaiters())
        }
        supervisor?.cancel()
        for waiter in waiters { waiter.resume(throwing: RealtimeClientError(.closed, "the client was closed")) }
        if let connection {
            await connection.closeAndWait()
            emit(.disconnected(reason: "closed by the client"))
        }
        // After everything already received: `for await` loops over events() end.
        inbox.yield(.finishStreams)
    }

    func emit(_ event: RealtimeEvent) {
        inbox.yield(.event(event))
    }

    // MARK: Connections

    var auth: JSONValue? {
        var fields: [String: JSONValue] = [:]
        if let key = options.apiKey { fields["apiKey"] = .string(key) }
        if let session = options.session { fields["session"] = .string(session) }
        if let echo = options.echoMessages { fields["echoMessages"] = .bool(echo) }
        for (key, value) in position.authFields { fields[key] = .string(value) }
        return fields.isEmpty ? nil : .object(fields)
    }

    /// One TCP connection, upgrade and Socket.IO handshake, to the endpoint for `attempt`.
    func connectOnce(attempt: Int) async throws(RealtimeClientError) -> (SocketIOConnection, SessionEnd) {
        var connector = SocketIOConnector(endpoint: endpoints[attempt % endpoints.count])
        connector.connectTimeout = .nanoseconds(Int64(options.connectTimeout / .nanoseconds(1)))
        let end = SessionEnd()
        let inbox = self.inbox
        let position = self.position
        let auth = self.auth
        do {
            let connection = try await connector.connect(on: group.next(), auth: auth) {
                ConnectionReceiver(inbox: inbox, end: end, position: position)
            }
            position.connected(sentPid: auth?["pid"]?.stringValue, replyPid: connection.pid)
            return (connection, end)
        } catch let error as SocketIOClientError {
            if let refusal = error.connectError {
                // CONNECT_ERROR: {message, data: {origin, code, message}}
                throw RealtimeClientError(json: refusal["data"])
                    ?? RealtimeClientError(.connectionFailed, refusal["message"]?.stringValue ?? error.description)
            }
            throw RealtimeClientError(.connectionFailed, error.description)
        } catch {
            throw RealtimeClientError(.connectionFailed, "\(error)")
        }
    }

    /// Makes `connection` current and releases waiting calls; false when the
    /// client was closed meanwhile.
    func install(_ connection: SocketIOConnection) -> Bool {
        let result = state.withLock { state -> (Bool, [CheckedContinuation<SocketIOConnection, any Error>])? in
            guard !state.isClosed else { return nil }
            state.phase = .connected(connection)
            let reconnected = state.hasConnectedBefore
            state.hasConnectedBefore = true
            return (reconnected, state.takeWaiters())
        }
        guard let (reconnected, waiters) = result else { return false }
        emit(.connected(id: connection.sid, reconnected: reconnected))
        for waiter in waiters { waiter.resume(returning: connection) }
        return true
    }
}
