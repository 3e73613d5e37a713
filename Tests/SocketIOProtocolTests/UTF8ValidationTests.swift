import Testing

@testable import SocketIOProtocol

/// The hand-written validator must agree with the standard library's strict
/// decoder on every input; it exists only to report offsets in the same pass.
@Suite("UTF-8 validation")
struct UTF8ValidationTests {
    static func agreesWithStdlib(_ input: [UInt8]) -> Bool {
        let ours = input.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset(in: $0) == nil }
        let stdlib = String(validating: input, as: UTF8.self) != nil
        return ours == stdlib
    }

    @Test func everyTwoByteSequence() {
        var disagreements = 0
        for first in 0...255 {
            for second in 0...255 where !Self.agreesWithStdlib([UInt8(first), UInt8(second)]) {
                disagreements += 1
            }
        }
        #expect(disagreements == 0)
    }

    @Test func randomLongerSequences() {
        var generator = Generator(seed: 0x0007_F800)
        for _ in 0..<20_000 {
            // Lead bytes of 3- and 4-byte forms (and invalid F5...FF), then bytes
            // mostly drawn from the continuation range where the edge cases live.
            var input = [UInt8(generator.int(0xE0...0xFF))]
            for _ in 0..<generator.int(1...4) {
                input.append(generator.int(0...3) == 0 ? UInt8(generator.int(0...255)) : UInt8(generator.int(0x80...0xBF)))
            }
            #expect(Self.agreesWithStdlib(input), "\(input)")
        }
    }

    @Test func reportsTheOffsetOfTheFirstBadByte() {
        let input: [UInt8] = Array("ok é ".utf8) + [0xED, 0xA0, 0x80]
        #expect(input.withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset(in: $0) } == 6)
    }
}
