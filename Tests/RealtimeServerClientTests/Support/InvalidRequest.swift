import RealtimeServerClient
import Testing

/// Runs an SDK call that must fail with ``RealtimeServerError/invalidRequest(code:message:)``
/// and returns its code and message (recording an issue otherwise).
func expectInvalidRequest(
    _ call: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> (code: String, message: String)? {
    let error = await #expect(throws: RealtimeServerError.self, sourceLocation: sourceLocation) { try await call() }
    guard case .invalidRequest(let code, let message)? = error else {
        if let error { Issue.record("expected invalidRequest, got \(error)", sourceLocation: sourceLocation) }
        return nil
    }
    return (code, message)
}
