import NIOCore
import NIOSSL

/// TLS to Redis (`rediss://`): the trust roots and optional client certificate,
/// loaded once when the configuration is made, so a missing or unreadable file is
/// an error at startup rather than on every reconnect.
public struct RedisTLS: Sendable, Equatable {
    let context: NIOSSLContext
    /// Checked against the server certificate and sent as SNI instead of the host
    /// connected to (nil: the host itself; an IP literal is verified as an address).
    let serverName: String?

    /// - Parameters:
    ///   - caFile: PEM file of the CAs to trust; nil trusts the system's store.
    ///   - certificateFile, keyFile: a client certificate (PEM), both or neither.
    public init(caFile: String?, certificateFile: String?, keyFile: String?) throws(RedisError) {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .certificates(try Self.load("CA file", caFile) { try NIOSSLCertificate.fromPEMFile($0) })
        }
        switch (certificateFile, keyFile) {
        case (let certificateFile?, let keyFile?):
            let chain = try Self.load("client certificate", certificateFile) { try NIOSSLCertificate.fromPEMFile($0) }
            configuration.certificateChain = chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(try Self.load("client key", keyFile) { try NIOSSLPrivateKey(file: $0, format: .pem) })
        case (nil, nil):
            break
        default:
            throw .invalidURL("a client certificate needs both --redis-tls-cert and --redis-tls-key")
        }
        do {
            self.context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tls("cannot set up TLS: \(error)")
        }
        self.serverName = nil
    }

    /// A fresh handler per connection (NIOSSL handlers hold one session each).
    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        let name = serverName ?? host
        return try NIOSSLClientHandler(context: context, serverHostname: Self.isIPLiteral(name) ? nil : name)
    }

    public static func == (lhs: RedisTLS, rhs: RedisTLS) -> Bool {
        lhs.context === rhs.context && lhs.serverName == rhs.serverName
    }

    private static func load<T>(_ what: String, _ path: String, _ body: (String) throws -> T) throws(RedisError) -> T {
        do {
            return try body(path)
        } catch {
            throw .tls("cannot load the \(what) \(path): \(error)")
        }
    }

    private static func isIPLiteral(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
