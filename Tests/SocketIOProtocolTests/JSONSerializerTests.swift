import Testing

@testable import SocketIOProtocol

@Suite("JSON serializer")
struct JSONSerializerTests {
    @Test func scalars() {
        #expect(JSONValue.null.jsonString == "null")
        #expect(JSONValue.bool(true).jsonString == "true")
        #expect(JSONValue.bool(false).jsonString == "false")
        #expect(JSONValue.string("").jsonString == #""""#)
    }

    @Test(
        arguments: [
            (5.0, "5"), (-5.0, "-5"), (0.0, "0"), (-0.0, "0"), (0.5, "0.5"), (-0.25, "-0.25"),
            (9_007_199_254_740_991, "9007199254740991"), (-9_007_199_254_740_991, "-9007199254740991"),
            (1e-5, "1e-05"), (1.5e300, "1.5e+300"), (1e18, "1000000000000000000"),
            (-9_223_372_036_854_775_808, "-9223372036854775808"),
        ] as [(Double, String)])
    func numbers(value: Double, expected: String) {
        #expect(JSONValue.number(value).jsonString == expected)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func nonFiniteNumbersBecomeNull(value: Double) {
        #expect(JSONValue.number(value).jsonString == "null")
        #expect(JSONValue.array([.number(value)]).jsonString == "[null]")
    }

    @Test func largeAndTinyNumbersRoundTrip() throws {
        for value in [
            1e21, 1e300, .leastNonzeroMagnitude, 2.2250738585072014e-308, 1.7976931348623157e308, 0.1 + 0.2, 9_223_372_036_854_775_808,
        ] {
            #expect(try JSONValue.parse(JSONValue.number(value).serialized) == .number(value))
        }
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() {
        let value = JSONValue.string("a\"b\\c/\n\r\t\u{8}\u{C}\u{0}\u{1}\u{1F}\u{7F}")
        #expect(value.jsonString == #""a\"b\\c/\n\r\t\b\f\u0000\u0001\u001f\#u{7F}""#)
    }

    @Test func nonASCIIIsWrittenAsRawUTF8() {
        #expect(JSONValue.string("é€😀\u{2028}").serialized == [0x22] + Array("é€😀\u{2028}".utf8) + [0x22])
    }

    @Test func outputIsCompactWithSortedKeys() {
        let value: JSONValue = ["b": 1, "a": [true, nil, ["z": 0, "y": "s"]], "c": [:], "A": []]
        #expect(value.jsonString == #"{"A":[],"a":[true,null,{"y":"s","z":0}],"b":1,"c":{}}"#)
    }

    @Test func keysAreEscapedToo() {
        let value: JSONValue = ["a\"\n": 1]
        #expect(value.jsonString == #"{"a\"\n":1}"#)
    }

    @Test func serializeAppendsToExistingBytes() {
        var buffer = bytes("42")
        JSONValue.array(["chat", "hi"]).serialize(into: &buffer)
        #expect(text(buffer) == #"42["chat","hi"]"#)
    }

    @Test func serializedByteCountMatchesOutput() {
        let values: [JSONValue] = [
            nil, true, false, 0, -12, 0.1, -1.5e-300, .number(.nan), "", "a\u{1}\"\n é😀",
            [], [:], [1, [2, [3]]], ["k": "v", "k2": ["\t": nil], "é": 1e21],
        ]
        for value in values {
            #expect(value.serializedByteCount == value.serialized.count, "\(value)")
        }
    }
}
