import Testing

@testable import RealtimeServerClient

@Suite("error bodies and path segments")
struct ErrorParsingTests {
    @Test("statuses map to cases; 400 reads the first {code, message}")
    func statuses() {
        let body = Array(#"{"errors":[{"code":"invalid_payload","message":"eventName: required string"},{"code":"x","message":"y"}]}"#.utf8)
        #expect(
            RealtimeServerError(status: 400, body: body) == .invalidRequest(code: "invalid_payload", message: "eventName: required string"))
        #expect(RealtimeServerError(status: 401, body: body) == .unauthorized)
        #expect(RealtimeServerError(status: 413, body: []) == .payloadTooLarge)
        #expect(RealtimeServerError(status: 503, body: body) == .unavailable)
        #expect(RealtimeServerError(status: 400, body: Array("oops".utf8)) == .unexpected(status: 400, body: "oops"))
        #expect(RealtimeServerError(status: 404, body: []) == .unexpected(status: 404, body: ""))
    }

    @Test("only unreserved characters stay as they are")
    func pathSegments() {
        #expect(PathSegment.encode("room-1_a.b~") == "room-1_a.b~")
        #expect(PathSegment.encode("a b/c?d#e%f") == "a%20b%2Fc%3Fd%23e%25f")
        #expect(PathSegment.encode("é") == "%C3%A9")
        #expect(PathSegment.encode("..") == "%2E%2E")
        #expect(PathSegment.encode("a..b") == "a..b")
    }
}
