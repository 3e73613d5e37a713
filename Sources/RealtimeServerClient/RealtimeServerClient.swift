import AsyncHTTPClient

/// A client for the realtime broker's server API: what an application backend uses to
/// push to connected clients and to manage the Realtime settings.
///
/// Every edge serves the same API, so `baseURL` may point at any edge or at the load
/// balancer in front of them. Requests carry the master key as
/// `Authorization: Bearer <key>`; the key must never be given to Socket.IO clients.
///
/// ```swift
/// let realtime = RealtimeServerClient(baseURL: "http://127.0.0.1:8080", masterKey: key)
/// try await realtime.send(channel: "room:1", eventName: "chat", message: ["text": "hello"])
/// let members = try await realtime.getMembers(channel: "room:1")
/// ```
///
/// Answers of the server that are not a success are thrown as ``RealtimeServerError``;
/// failures to reach the server at all are thrown as AsyncHTTPClient's own errors.
public struct RealtimeServerClient: Sendable {
    /// The edge (or load balancer) address, such as `http://127.0.0.1:8080`, without a trailing slash.
    public let baseURL: String
    /// How long one request may take, connection included.
    public var timeout: Duration = .seconds(10)
    let masterKey: String
    let httpClient: HTTPClient

    /// Creates a client for the server API.
    ///
    /// - Parameters:
    ///   - baseURL: The edge or load balancer address, such as `http://127.0.0.1:8080`.
    ///     A path prefix is kept (`https://example.com/realtime` serves `/realtime/api/v1/...`).
    ///   - masterKey: The edge's master key (`--master-key`, `REALTIME_MASTER_KEY`).
    ///   - httpClient: The HTTP client to send requests with; the process-wide shared one by default.
    public init(baseURL: String, masterKey: String, httpClient: HTTPClient = .shared) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.masterKey = masterKey
        self.httpClient = httpClient
    }
}
