import Foundation

enum ListenBacklog {
    /// Linux silently caps a listen backlog at net.core.somaxconn: logged next to the
    /// requested one so an operator sees when the sysctl is what limits a storm.
    static func kernelCap() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
