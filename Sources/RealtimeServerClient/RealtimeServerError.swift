import SocketIOProtocol

/// A server API answer other than success.
///
/// Built from the status and the documented error body
/// `{"errors": [{"code": "...", "message": "..."}]}`.
public enum RealtimeServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401: the master key is missing or wrong (or the edge runs without one).
    case unauthorized
    /// 400: the request was refused; `code` is the server's error code (such as
    /// `invalid_payload` or `invalid_channel`) and `message` names the field at fault.
    case invalidRequest(code: String, message: String)
    /// 413: the request body or the message in it is over the server's limit.
    case payloadTooLarge
    /// 503: the edge cannot reach its backend (Redis) right now; retry shortly.
    case unavailable
    /// Any other answer, or a success whose body is not the documented shape.
    case unexpected(status: Int, body: String)

    /// Classifies a non-success answer by its status, reading the error body when it has one.
    init(status: Int, body: [UInt8]) {
        switch status {
        case 401:
            self = .unauthorized
        case 413:
            self = .payloadTooLarge
        case 503:
            self = .unavailable
        case 400:
            if let first = Self.firstError(in: body) {
                self = .invalidRequest(code: first.code, message: first.message)
            } else {
                self = .unexpected(status: status, body: String(decoding: body, as: UTF8.self))
            }
        default:
            self = .unexpected(status: status, body: String(decoding: body, as: UTF8.self))
        }
    }

    /// The first entry of `{"errors": [{code, message}]}`, if the body has that shape.
    static func firstError(in body: [UInt8]) -> (code: String, message: String)? {
        guard let document = try? JSONValue.parse(body),
            let first = document["errors"]?.arrayValue?.first,
            let code = first["code"]?.stringValue
        else { return nil }
        return (code, first["message"]?.stringValue ?? "")
    }

    public var description: String {
        switch self {
        case .unauthorized: "unauthorized: missing or wrong master key"
        case .invalidRequest(let code, let message): "invalid request (\(code)): \(message)"
        case .payloadTooLarge: "payload too large"
        case .unavailable: "server unavailable: its backend cannot be reached"
        case .unexpected(let status, let body): "unexpected answer \(status): \(body.prefix(500))"
        }
    }
}
