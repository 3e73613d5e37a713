import Foundation
import Hummingbird
import NIOCore
import SocketIOProtocol

/// A server API failure with its HTTP status and error code (PROTOCOL.md §3).
struct APIError: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func badRequest(_ message: String) -> APIError { .init(status: .badRequest, code: "invalid_payload", message: message) }
    var response: Response { JSONResponse.error(status, code: code, message: message) }
}

extension Request {
    /// The raw body; 413 past `limit`.
    func bodyBytes(limit: Int) async throws(APIError) -> ByteBuffer {
        do {
            return try await body.collect(upTo: limit)
        } catch {
            throw APIError(status: .contentTooLarge, code: "payload_too_large", message: "request body exceeds \(limit) bytes")
        }
    }

    /// The body as JSON; 413 past the context's upload limit, 400 when not JSON.
    func jsonBody(limit: Int) async throws(APIError) -> JSONValue {
        let buffer = try await bodyBytes(limit: limit)
        do {
            return try JSONValue.parse(buffer.readableBytesView)
        } catch {
            throw .badRequest("body is not valid JSON: \(error.description)")
        }
    }
}

extension EdgeRequestContext {
    /// A path parameter, percent-decoded.
    func pathParameter(_ name: String) -> String? {
        guard let raw = parameters.get(name) else { return nil }
        return raw.removingPercentEncoding ?? raw
    }
}
