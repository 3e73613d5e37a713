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

    /// 202 `{"accepted":true}`, the answer of every single publish: serialized once.
    static var accepted: Response {
        Response(
            status: .accepted,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: acceptedBody))
    }

    private static let acceptedBody = ByteBuffer(bytes: JSONValue.object(["accepted": true]).serialized)

    /// `{"errors": [{"code", "message"}]}`
    static func error(_ status: HTTPResponse.Status, code: String, message: String) -> Response {
        ok(.object(["errors": .array([.object(["code": .string(code), "message": .string(message)])])]), status: status)
    }
}
