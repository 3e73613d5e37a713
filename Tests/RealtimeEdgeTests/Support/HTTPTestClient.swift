import RealtimeTestSupport

/// Sends one HTTP request to the test edge on 127.0.0.1.
func http(
    _ method: String, _ edge: TestEdge, _ path: String,
    body: String? = nil, bearer: String? = TestEdge.masterKey
) async throws -> HTTPResult {
    try await sendHTTP(method, "http://127.0.0.1:\(edge.port)\(path)", body: body, bearer: bearer)
}

/// A GET with a raw Authorization header.
func httpWithHeader(_ edge: TestEdge, _ path: String, authorization: String) async throws -> HTTPResult {
    try await sendHTTP("GET", "http://127.0.0.1:\(edge.port)\(path)", authorization: authorization)
}
