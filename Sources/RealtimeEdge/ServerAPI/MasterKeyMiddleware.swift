import Hummingbird
import RealtimeCore

/// Guards the server API: `Authorization: Bearer <master key>`, compared in constant
/// time. Without a configured master key the API is closed to everyone.
struct MasterKeyMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let masterKey: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let masterKey, !masterKey.isEmpty else {
            return JSONResponse.error(
                .unauthorized, code: "unauthorized", message: "the server API is disabled: start the edge with --master-key")
        }
        // The scheme name is case-insensitive (RFC 7235).
        guard let header = request.headers[.authorization], header.prefix(7).lowercased() == "bearer " else {
            return JSONResponse.error(.unauthorized, code: "unauthorized", message: "missing Authorization: Bearer <master key>")
        }
        guard constantTimeEquals(String(header.dropFirst(7)), masterKey) else {
            return JSONResponse.error(.unauthorized, code: "unauthorized", message: "wrong master key")
        }
        return try await next(request, context)
    }
}
