import Testing

@testable import SocketIOProtocol

@Suite("JSON parser: rejected input")
struct JSONParserRejectionTests {
    @Test(arguments: [
        "", "   ", "[1,]", #"{"a":1,}"#, "[1 2]", #"{"a" 1}"#, #"{a:1}"#, "{1:2}", "[", "]", "{", "}",
        "// comment\n1", "/* c */1", "NaN", "Infinity", "-Infinity", "undefined", "'a'",
        "tru", "nul", "fals", "True", "+1", ".5", "1.", "1.e3", "1e", "1e+", "-", "--1", "0x10",
        #""abc"#, #""\x41""#, #""\u12G4""#, #""\u12""#, #""\"#, "[1]]", "{}x", "1 2", "nullx",
        "\"a\tb\"", "\"a\nb\"", "\"\u{1}\"", "1e400", "-1e400",
    ])
    func malformedTextIsRejected(text: String) {
        #expect(jsonError(bytes(text)) != nil, "accepted \(text.debugDescription)")
    }

    @Test(arguments: ["01", "-01", "00", "[007]", "0123.5"])
    func leadingZerosAreRejected(text: String) {
        #expect(jsonError(bytes(text))?.message == "leading zeros are not allowed")
    }

    @Test(arguments: ["1 x", "{} {}", "[1]]", "\"a\"\"b\"", "true false", "0 1"])
    func trailingGarbageIsRejected(text: String) {
        #expect(jsonError(bytes(text))?.message == "unexpected data after JSON value")
    }

    @Test(arguments: [
        #""\uD800""#, #""\uDBFF\u0041""#, #""\uD800x""#, #""\uDC00""#, #""\uDFFF\uD800""#,
        #""\uD800\uD800""#, #""\uD83D\n""#,
    ])
    func loneSurrogateEscapesAreRejected(text: String) {
        #expect(jsonError(bytes(text))?.message == "unpaired surrogate in \\u escape")
    }

    @Test(
        arguments: [
            [0xC3, 0x28],  // lead byte followed by ASCII
            [0x80],  // stray continuation byte
            [0xC0, 0x80],  // overlong NUL
            [0xC1, 0xBF],  // overlong
            [0xE0, 0x80, 0x80],  // overlong 3-byte
            [0xED, 0xA0, 0x80],  // encoded surrogate U+D800
            [0xF0, 0x80, 0x80, 0x80],  // overlong 4-byte
            [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],  // invalid lead
            [0xFF],
            [0xE2, 0x82],  // truncated before the closing quote
        ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(sequence: [UInt8]) {
        let input: [UInt8] = [0x22, 0x61] + sequence + [0x22]
        #expect(jsonError(input)?.message == "invalid UTF-8 in string")
    }

    @Test func invalidUTF8OutsideStringsIsRejected() {
        #expect(jsonError([0xFF]) != nil)
        #expect(jsonError([0x5B, 0xC3, 0xA9, 0x5D]) != nil)
    }

    @Test func nestingBeyondTheLimitIsRejected() {
        let tooDeep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(jsonError(bytes(tooDeep))?.message == "maximum nesting depth exceeded")
        #expect(jsonError(bytes(#"{"a":{"b":{}}}"#), maxDepth: 2)?.message == "maximum nesting depth exceeded")
        #expect(jsonError(bytes("[]"), maxDepth: 0) != nil)
        #expect(jsonError(bytes("1"), maxDepth: 0) == nil)
    }

    @Test func hostileNestingFailsFastWithoutRecursingFurther() {
        // Deep enough to overflow the stack if the limit were not checked first.
        let input = [UInt8](repeating: 0x5B, count: 1_000_000)
        let error = jsonError(input)
        #expect(error?.message == "maximum nesting depth exceeded")
        #expect(error?.offset == 32)
    }

    @Test func errorOffsetsPointAtTheProblem() {
        #expect(jsonError(bytes("[1,]"))?.offset == 3)
        #expect(jsonError(bytes("  01"))?.offset == 2)
        #expect(jsonError(bytes(#"["ab"#))?.offset == 1)
        #expect(jsonError(bytes(#"{"a":1 x"#))?.offset == 7)
        #expect(jsonError(bytes(#""ab\q""#))?.offset == 3)
    }

    @Test func errorDescriptionMentionsTheOffset() {
        let error = JSONError(message: "unexpected character", offset: 5)
        #expect(error.description == "unexpected character at byte 5")
    }
}
