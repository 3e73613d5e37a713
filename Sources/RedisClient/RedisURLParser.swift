/// Splits a `redis://` URL into its parts. Kept apart from the configuration
/// so the grammar lives in one place and can be read top to bottom.
enum RedisURLParser {
    struct Parts {
        var username: String?
        var password: String?
        var host: String
        var port: Int?
        var database: Int?
        /// `rediss://`
        var tls: Bool
    }

    static func parse(_ url: String) throws(RedisError) -> Parts {
        let lowered = url.lowercased()
        let tls = lowered.hasPrefix("rediss://")
        let scheme = tls ? "rediss://" : "redis://"
        guard lowered.hasPrefix(scheme) else {
            throw .invalidURL("expected a redis:// or rediss:// URL: \(RedisURLRedaction.redact(url))")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        if rest.contains("?") || rest.contains("#") {
            throw .invalidURL("query and fragment are not supported: \(RedisURLRedaction.redact(url))")
        }

        // The path, if any, carries the database number.
        var database: Int?
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else {
                    throw .invalidURL("database must be a non-negative integer: \(path)")
                }
                database = db
            }
        }

        // Split credentials at the last "@" so an unencoded "@" in a password
        // still works.
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try nonEmpty(percentDecode(userInfo[..<colon]))
                password = try nonEmpty(percentDecode(userInfo[userInfo.index(after: colon)...]))
            } else {
                username = try nonEmpty(percentDecode(userInfo))
            }
        }

        let (host, port) = try splitHostPort(rest)
        return Parts(username: username, password: password, host: host, port: port, database: database, tls: tls)
    }

    /// `[[user]:password@]host:port[,host:port…]`, the authority of a URL naming several
    /// nodes (Sentinel, Cluster): the credentials, and each address checked by the
    /// single-Redis grammar. No nodes when the list is empty.
    static func parseNodeList(_ authority: Substring, defaultPort: Int) throws(RedisError) -> (
        username: String?, password: String?, nodes: [RedisEndpoint]
    ) {
        var addresses = authority
        var credentials = ""
        if let at = authority.lastIndex(of: "@") {
            credentials = String(authority[...at])
            addresses = authority[authority.index(after: at)...]
        }
        var nodes: [RedisEndpoint] = []
        for address in addresses.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = try parse("redis://" + address)
            nodes.append(RedisEndpoint(host: parts.host, port: parts.port ?? defaultPort))
        }
        guard let first = nodes.first else { return (nil, nil, []) }
        let user = try parse("redis://" + credentials + first.description)
        return (user.username, user.password, nodes)
    }

    private static func splitHostPort(_ authority: Substring) throws(RedisError) -> (String, Int?) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            // IPv6 literal: "[::1]:6379"
            guard let close = authority.firstIndex(of: "]") else {
                throw .invalidURL("unterminated IPv6 host: \(authority)")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw .invalidURL("unexpected text after IPv6 host: \(after)")
                }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else {
            throw .invalidURL("missing host")
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw .invalidURL("invalid port: \(portText)")
            }
            port = value
        }
        return (String(host), port)
    }

    private static func nonEmpty(_ value: String) -> String? {
        value.isEmpty ? nil : value
    }

    private static func percentDecode(_ text: Substring) throws(RedisError) -> String {
        guard text.contains("%") else {
            return String(text)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .invalidURL("bad percent-encoding in credentials")
            }
            bytes.append(high << 4 | low)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
