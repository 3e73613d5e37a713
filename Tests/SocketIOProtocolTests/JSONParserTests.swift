import Testing

@testable import SocketIOProtocol

@Suite("JSON parser: accepted input")
struct JSONParserTests {
    @Test func scalarsAtTopLevel() throws {
        #expect(try JSONValue.parse("null") == .null)
        #expect(try JSONValue.parse("true") == .bool(true))
        #expect(try JSONValue.parse("false") == .bool(false))
        #expect(try JSONValue.parse("12") == .number(12))
        #expect(try JSONValue.parse(#""s""#) == .string("s"))
    }

    @Test func containers() throws {
        #expect(try JSONValue.parse("[]") == .array([]))
        #expect(try JSONValue.parse("{}") == .object([:]))
        #expect(try JSONValue.parse(#"[1,"a",null,[true],{"k":{}}]"#) == [1, "a", nil, [true], ["k": .object([:])]])
    }

    @Test func whitespaceIsAllowedBetweenAllTokens() throws {
        let parsed = try JSONValue.parse(" \t\n\r{ \"a\" : [ 1 , 2 ] ,\n\"b\":\ttrue }\r\n ")
        #expect(parsed == ["a": [1, 2], "b": true])
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func simpleEscapes() throws {
        let parsed = try JSONValue.parse(#""\" \\ \/ \b \f \n \r \t""#)
        #expect(parsed == .string("\" \\ / \u{8} \u{C} \n \r \t"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONValue.parse(#""\u00e9\u00C9""#) == .string("éÉ"))
        #expect(try JSONValue.parse(#""\u20AC""#) == .string("€"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONValue.parse(#""a\u0041b""#) == .string("aAb"))
    }

    @Test func surrogatePairEscapesBecomeOneScalar() throws {
        #expect(try JSONValue.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONValue.parse(#""\udbff\udfff""#) == .string("\u{10FFFF}"))
        #expect(try JSONValue.parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try JSONValue.parse(#"{"clé":"日本語 😀"}"#) == ["clé": "日本語 😀"])
    }

    @Test func escapesMixedWithRawUTF8() throws {
        #expect(try JSONValue.parse(#""é\n😀\u00e9""#) == .string("é\n😀é"))
    }

    @Test(
        arguments: [
            ("0", 0.0), ("-0", -0.0), ("7", 7), ("-12", -12), ("1.5", 1.5), ("-0.25", -0.25),
            ("1e3", 1000), ("1E3", 1000), ("1e+3", 1000), ("1e-3", 0.001), ("-1.5E-2", -0.015),
            ("0.1", 0.1), ("123456.789", 123456.789), ("9007199254740993", 9_007_199_254_740_992),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("2.2250738585072014e-308", 2.2250738585072014e-308), ("4.9e-324", .leastNonzeroMagnitude),
            ("1.7976931348623157e308", 1.7976931348623157e308), ("1e-400", 0),
            ("0.000000000000000000000000001", 1e-27), ("1.00000000000000011102230246251565404236316680908203125", 1.0),
        ] as [(String, Double)])
    func numbers(text: String, expected: Double) throws {
        let parsed = try JSONValue.parse(text)
        #expect(parsed == .number(expected))
        #expect(parsed.doubleValue?.sign == expected.sign)
    }

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let depth = 32
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var expected: JSONValue = []
        for _ in 1..<depth { expected = [expected] }
        #expect(try JSONValue.parse(text) == expected)
        #expect(try JSONValue.parse(#"{"a":{"b":[1]}}"#, maxDepth: 3) == ["a": ["b": [1]]])
    }

    @Test func acceptsAnyByteCollection() throws {
        let bytes = Array(#"xx["a",1]yy"#.utf8)
        #expect(try JSONValue.parse(bytes[2..<9]) == ["a", 1])
        // A collection without contiguous storage takes the copying path.
        #expect(try JSONValue.parse(bytes[2..<9].lazy.map { $0 }) == ["a", 1])
        #expect(try JSONValue.parse(Substring(#"["a",1]"#).utf8) == ["a", 1])
    }
}
