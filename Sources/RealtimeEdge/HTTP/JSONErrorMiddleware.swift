import Hummingbird

/// Answers Hummingbird's own errors (unknown route, wrong method, body too large)
/// in PROTOCOL.md's `{"errors": [{code, message}]}` shape instead of an empty body.
struct JSONErrorMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let code =
                switch error.status {
                case .notFound: "not_found"
                case .methodNotAllowed: "method_not_allowed"
                case .contentTooLarge: "payload_too_large"
                default: "http_error"
                }
            return JSONResponse.error(error.status, code: code, message: error.body ?? error.status.reasonPhrase)
        }
    }
}
