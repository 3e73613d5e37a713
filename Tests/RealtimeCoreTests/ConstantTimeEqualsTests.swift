import RealtimeCore
import Testing

@Suite("constantTimeEquals")
struct ConstantTimeEqualsTests {
    @Test("equal strings match")
    func equal() {
        #expect(constantTimeEquals("", ""))
        #expect(constantTimeEquals("secret-key", "secret-key"))
        #expect(constantTimeEquals("clé-€", "clé-€"))
    }

    @Test(
        "different strings do not match",
        arguments: [
            ("secret", "secreT"),
            ("secret", "secret-longer"),
            ("secret", "secre"),
            ("secret", ""),
            ("", "x"),
            ("a", "a\u{0}"),
            ("abc", "xbc"),
        ])
    func different(a: String, b: String) {
        #expect(!constantTimeEquals(a, b))
        #expect(!constantTimeEquals(b, a))
    }

    @Test("a length difference that is a multiple of 256 still differs")
    func lengthDifferenceMultipleOf256() {
        // A key followed by 256 NUL bytes must not be accepted as the key itself.
        let padded = "k" + String(repeating: "\u{0}", count: 256)
        #expect(!constantTimeEquals(padded, "k"))
        #expect(!constantTimeEquals(String(repeating: "\u{0}", count: 512), ""))
    }

    @Test("strings that are equal as Unicode but differ in bytes do not match")
    func normalization() {
        // "é" precomposed vs "e" + combining acute: Swift's == says equal, the bytes differ.
        #expect(!constantTimeEquals("caf\u{E9}", "cafe\u{301}"))
    }
}
