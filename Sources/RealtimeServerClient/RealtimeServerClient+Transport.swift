import AsyncHTTPClient
import NIOCore
import NIOHTTP1

extension RealtimeServerClient {
    /// Largest response body read; a members list of a very large channel stays well below.
    static let maxResponseBytes = 32 * 1024 * 1024

    /// Sends one request to the server API and returns the body of a 2xx answer.
    ///
    /// - Throws: ``RealtimeServerError`` for any other status; transport errors as they come.
    func perform(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(masterKey)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        let response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
        let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
        let reply = Reply(status: Int(response.status.code), body: Array(buffer.readableBytesView))
        guard (200..<300).contains(reply.status) else {
            throw RealtimeServerError(status: reply.status, body: reply.body)
        }
        return reply
    }

    /// A successful answer of the server API.
    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]

        /// The error to throw when a success body does not have the documented shape.
        var unexpected: RealtimeServerError {
            .unexpected(status: status, body: String(decoding: body, as: UTF8.self))
        }
    }
}
