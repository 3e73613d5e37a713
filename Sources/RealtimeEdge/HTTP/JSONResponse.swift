import Foundation
import Hummingbird
import NIOCore
import SocketIOProtocol

/// Small helpers to answer JSON with PROTOCOL.md's error shape.
enum JSONResponse {
    static func ok(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        bytes(value.serialized, status: status)
    }

    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"errors": [{"code", "message"}]}`
    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        ok(.object(["errors": .array([.object(["code": .string(code), "message": .string(message)])])]), status: status)
    }
}
