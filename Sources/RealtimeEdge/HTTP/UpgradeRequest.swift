import HTTPTypes
import NIOHTTP1
import SocketIOProtocol

/// What a WebSocket upgrade request must carry to become a Socket.IO session, and
/// the answer when it does not. Shared by the first request of a connection (NIO's
/// upgrader) and later requests of a kept-alive one (HTTPConnectionGuard).
enum UpgradeRefusal: Sendable, Equatable {
    case notSocketPath
    case unsupportedProtocolVersion
    case transportNotSupported
    case draining
    /// A request pipelined behind one whose response is not finished yet.
    case pipelined

    /// Why `uri` cannot be upgraded on this edge now, nil when it can.
    static func check(uri: String, draining: Bool) -> UpgradeRefusal? {
        guard EdgeChildChannel.isSocketPath(uri) else { return .notSocketPath }
        let query = UpgradeQuery(uri: uri)
        // The engine.io reference server refuses other protocol revisions too: an EIO=3
        // client would misread every packet of ours.
        guard query.value(of: "EIO") == "4" else { return .unsupportedProtocolVersion }
        guard query.value(of: "transport") == "websocket" else { return .transportNotSupported }
        // A draining edge declines so the load balancer's retry lands elsewhere.
        return draining ? .draining : nil
    }

    var status: HTTPResponse.Status {
        switch self {
        case .notSocketPath: .notFound
        case .draining: .serviceUnavailable
        case .unsupportedProtocolVersion, .transportNotSupported, .pipelined: .badRequest
        }
    }

    var code: String {
        switch self {
        case .notSocketPath: "not_found"
        case .unsupportedProtocolVersion: "unsupported_protocol_version"
        case .transportNotSupported: "transport_not_supported"
        case .draining: "service_unavailable"
        case .pipelined: "bad_request"
        }
    }

    var message: String {
        switch self {
        case .notSocketPath: "WebSocket upgrades are served on /realtime/ and /socket.io/ only"
        case .unsupportedProtocolVersion: "only Engine.IO protocol 4 is supported: connect with EIO=4 (a Socket.IO v3 or v4 client)"
        case .transportNotSupported: "the upgrade must ask for transport=websocket (EIO=4&transport=websocket)"
        case .draining: "this edge is shutting down; reconnect to another edge"
        case .pipelined: "a WebSocket upgrade must wait for the previous response on its connection"
        }
    }

    /// `{"errors": [{"code", "message"}]}`, the body of every refusal.
    var body: [UInt8] {
        JSONValue.object([
            "errors": .array([.object(["code": .string(code), "message": .string(message)])])
        ]).serialized
    }
}

/// The query of an upgrade URI, read without percent-decoding: the values that
/// matter (`4`, `websocket`) never need it.
struct UpgradeQuery {
    private let pairs: [(name: Substring, value: Substring)]

    init(uri: String) {
        guard let mark = uri.firstIndex(of: "?") else {
            pairs = []
            return
        }
        pairs = uri[uri.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// The first value of `name`, as the reference server's query parser keeps it.
    func value(of name: String) -> Substring? {
        pairs.first { $0.name == name }?.value
    }
}

extension HTTPRequestHead {
    /// `Upgrade: websocket` with `Connection: upgrade`: what a WebSocket client sends.
    var isWebSocketUpgrade: Bool {
        headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
            && headers["upgrade"].contains { $0.lowercased() == "websocket" }
    }
}
