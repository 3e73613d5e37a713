import SocketIOProtocol

extension RealtimeServerClient {
    /// Sends a user event to every connection of one user, on every edge.
    ///
    /// Connections belong to a user when their handshake carried a session token whose
    /// `sub` is `userId`. Each receives `user:<kind>` with `(eventName, session, user)`.
    /// The server removes every field whose name contains `token` from `session`, at
    /// any depth, before delivering it.
    ///
    /// When the settings have `signoutEndsSessions` on, a ``UserEventKind/signout`` whose
    /// session names an id (`sid`, `jti`, `sessionId`, `id` or `_id`) also ends that
    /// session's connections (all of the user's connections when it names none).
    ///
    /// - Parameters:
    ///   - userId: The user id (1 to 256 UTF-8 bytes), as in the session token's `sub`.
    ///   - eventName: Which user event.
    ///   - session: The session the event is about, if any.
    ///   - user: The user record, if any.
    public func userEvent(
        userId: String, eventName: UserEventKind, session: JSONValue? = nil, user: JSONValue? = nil
    ) async throws {
        guard !userId.isEmpty else {
            throw RealtimeServerError.invalidRequest(code: "invalid_payload", message: "userId must be 1 to 256 bytes")
        }
        let body = JSONValue.object([
            "eventName": .string(eventName.eventName),
            "session": session ?? .null,
            "user": user ?? .null,
        ])
        try await post("/api/v1/users/\(PathSegment.encode(userId))/events", body: body.serialized)
    }
}
