import NIOCore

/// A small, fast generator for WebSocket masks and random picks (not for secrets).
public struct FastRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }

    public mutating func next() -> UInt64 {
        // splitmix64
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Nanoseconds on the monotonic clock: receive times handed to receivers.
@inline(__always)
public func monotonicNanos() -> UInt64 {
    NIODeadline.now().uptimeNanoseconds
}
