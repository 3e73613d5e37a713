import Testing

@testable import SocketIOProtocol

/// Bugs found by the FuzzCodec fuzzer (scripts/fuzz); the reproducers are also in
/// Tests/FuzzCorpus/codec, named after the bug.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// "e\u{301}" (decomposed é) and "\u{E9}." are neither `<` nor `==` as Swift
    /// strings, so sorting keys with `String.<` kept the dictionary's iteration order,
    /// which is per instance: the same object serialized to different bytes, and
    /// parse → serialize was not a fixed point.
    /// Reproducer: Tests/FuzzCorpus/codec/crash-json-key-order-canonical-equivalence.
    @Test func objectKeyOrderDoesNotDependOnTheDictionaryInstance() throws {
        // Canonically distinct keys (to Swift's ==), several of them not in NFC.
        let keys = ["e\u{301}", "\u{E9}.", "\u{212A}", "b", "a\u{30A}", "\u{C5}x"]
        let expected = #"{"a\#u{30A}":0,"b":0,"e\#u{301}":0,"\#u{C5}x":0,"\#u{E9}.":0,"\#u{212A}":0}"#
        // Many dictionary instances with different insertion orders and capacities:
        // each has its own hash seed, hence its own iteration order.
        for rotation in 0..<keys.count {
            for capacity in [0, 8, 64] {
                var members: [String: JSONValue] = [:]
                members.reserveCapacity(capacity)
                for key in keys[rotation...] + keys[..<rotation] { members[key] = 0 }
                let serialized = JSONValue.object(members).serialized
                #expect(text(serialized) == expected, "rotation \(rotation), capacity \(capacity)")
                #expect(try JSONValue.parse(serialized).serialized == serialized, "rotation \(rotation)")
            }
        }
    }

    @Test func reproducerFromTheFuzzerIsAFixedPoint() throws {
        let input = bytes("{\"\u{E9}.\":1,\"e\u{301}\":2,\"\u{212A}\":3,\"K\":4}")
        for _ in 0..<50 {
            let first = try JSONValue.parse(input).serialized
            #expect(try JSONValue.parse(first).serialized == first)
        }
    }

    @Test func keysSortByUTF8Bytes() {
        #expect(JSONValue.keyPrecedes("a", "b"))
        #expect(JSONValue.keyPrecedes("a", "ab"))
        #expect(!JSONValue.keyPrecedes("ab", "ab"))
        #expect(JSONValue.keyPrecedes("Z", "a"))
        #expect(JSONValue.keyPrecedes("e\u{301}", "\u{E9}."))
        #expect(!JSONValue.keyPrecedes("\u{E9}.", "e\u{301}"))
        let ascii: JSONValue = ["b": 1, "a": 2, "c": ["z": 1, "y": 2]]
        #expect(text(ascii.serialized) == #"{"a":2,"b":1,"c":{"y":2,"z":1}}"#)
    }
}
