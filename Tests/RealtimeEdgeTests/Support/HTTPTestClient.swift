import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SocketIOProtocol

/// A server API / node route answer.
struct HTTPResult: Sendable {
    var status: Int
    var text: String
    var contentType: String?
    var json: JSONValue? { try? JSONValue.parse(text) }
}

/// Sends one HTTP request to the test edge on 127.0.0.1.
func http(
    _ method: String, _ edge: TestEdge, _ path: String,
    body: String? = nil, bearer: String? = TestEdge.masterKey
) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(edge.port)\(path)")!)
    request.httpMethod = method
    request.timeoutInterval = 10
    if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
    if let body {
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let httpResponse = response as! HTTPURLResponse
    return HTTPResult(
        status: httpResponse.statusCode,
        text: String(decoding: data, as: UTF8.self),
        contentType: httpResponse.value(forHTTPHeaderField: "Content-Type"))
}

/// A GET with a raw Authorization header.
func httpWithHeader(_ edge: TestEdge, _ path: String, authorization: String) async throws -> HTTPResult {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(edge.port)\(path)")!)
    request.setValue(authorization, forHTTPHeaderField: "Authorization")
    let (data, response) = try await URLSession.shared.data(for: request)
    return HTTPResult(
        status: (response as! HTTPURLResponse).statusCode,
        text: String(decoding: data, as: UTF8.self),
        contentType: (response as! HTTPURLResponse).value(forHTTPHeaderField: "Content-Type"))
}
