import Foundation
import SocketIOProtocol

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A server API / node route answer.
public struct HTTPResult: Sendable {
    public var status: Int
    public var text: String
    public var contentType: String?
    public var json: JSONValue? { try? JSONValue.parse(text) }
}

/// One HTTP request to a test process on 127.0.0.1. `bearer` sets
/// `Authorization: Bearer …`; `authorization` sets the raw header instead.
public func sendHTTP(
    _ method: String, _ url: String, body: String? = nil, bearer: String? = nil, authorization: String? = nil
) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = method
    request.timeoutInterval = 10
    if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
    if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let httpResponse = response as? HTTPURLResponse
    return HTTPResult(
        status: httpResponse?.statusCode ?? 0,
        text: String(decoding: data, as: UTF8.self),
        contentType: httpResponse?.value(forHTTPHeaderField: "Content-Type"))
}
