import Foundation
import NIOCore

/// The client's address: the peer, or, when the peer is a trusted proxy, the
/// right-most X-Forwarded-For entry that is not itself a trusted proxy.
enum ClientAddress {
    static func resolve(peer: SocketAddress?, forwardedFor forwarded: String?, trustedProxies: TrustedProxies) -> String {
        let peerIP = peer?.ipAddress ?? "unknown"
        guard trustedProxies.contains(peerIP), let forwarded else { return peerIP }
        let hops = forwarded.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for hop in hops.reversed() where !trustedProxies.contains(hop) {
            return hop
        }
        return hops.first ?? peerIP
    }
}
