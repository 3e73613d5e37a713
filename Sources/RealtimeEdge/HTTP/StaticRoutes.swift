import Hummingbird
import NIOCore

/// `GET /client/realtime.js` (the browser client, always served) and the demo chat
/// page at `/demo/` (only when `demoEnabled`; otherwise 404 like any unknown route).
extension EdgeNode {
    func addStaticRoutes(to router: Router<EdgeRequestContext>) {
        router.get("/client/realtime.js") { _, _ -> Response in
            Self.staticResponse(StaticAssets.realtimeJS, contentType: "text/javascript; charset=utf-8")
        }
        let demoEnabled = configuration.demoEnabled
        let demo: @Sendable (Request, EdgeRequestContext) async throws -> Response = { _, _ in
            guard demoEnabled else { throw HTTPError(.notFound) }
            return Self.staticResponse(StaticAssets.demoHTML, contentType: "text/html; charset=utf-8")
        }
        // The router ignores a trailing slash: this serves both /demo and /demo/.
        router.get("/demo", use: demo)
    }

    private static func staticResponse(_ body: ByteBuffer, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: body))
    }
}
