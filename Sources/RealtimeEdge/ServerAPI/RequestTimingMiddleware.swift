import Hummingbird
import RealtimeCore

/// Times every server API request (refused ones too: a flood of bad keys is load)
/// into the edge's `realtime_server_api_request_duration_seconds` histogram.
struct RequestTimingMiddleware: RouterMiddleware {
    typealias Context = EdgeRequestContext
    let histogram: LatencyHistogram

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        defer { histogram.observe(ContinuousClock.now - start) }
        return try await next(request, context)
    }
}
