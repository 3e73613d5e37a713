/// A position in the recovery log: `<milliseconds>-<sequence>`, the form of a Redis
/// stream id (the memory log uses the same). Clients treat it as an opaque string;
/// the edge compares offsets to drop live messages a replay already covered.
public struct LogOffset: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var milliseconds: UInt64
    public var sequence: UInt64

    public init(milliseconds: UInt64, sequence: UInt64) {
        self.milliseconds = milliseconds
        self.sequence = sequence
    }

    /// Parses `123-4`; nil for anything else (a client may send any string).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 20 }),
            let ms = UInt64(parts[0]), let seq = UInt64(parts[1])
        else { return nil }
        self.init(milliseconds: ms, sequence: seq)
    }

    public var description: String { "\(milliseconds)-\(sequence)" }

    public static func < (a: LogOffset, b: LogOffset) -> Bool {
        (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence)
    }
}
