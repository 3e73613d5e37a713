/// The proxies whose X-Forwarded-For is believed: exact addresses (IPv4 or IPv6)
/// and IPv4 CIDR ranges such as `10.0.0.0/8` (for ingress pods in Kubernetes).
public struct TrustedProxies: Sendable, ExpressibleByArrayLiteral {
    private var exact: Set<String> = []
    private var ranges: [(network: UInt32, mask: UInt32)] = []

    public init(_ entries: some Sequence<String>) {
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1)
            if parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits), let base = Self.ipv4(String(parts[0])) {
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                ranges.append((base & mask, mask))
            } else {
                exact.insert(entry)
            }
        }
    }

    public init(arrayLiteral elements: String...) {
        self.init(elements)
    }

    public func contains(_ address: String) -> Bool {
        if exact.contains(address) { return true }
        guard !ranges.isEmpty, let ip = Self.ipv4(address) else { return false }
        return ranges.contains { ip & $0.mask == $0.network }
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }
}
