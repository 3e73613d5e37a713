import RealtimeCore
import Testing

@Suite("Channel name validation")
struct ChannelNameTests {
    let limits = ConnectionLimits.default

    @Test("the empty name is refused")
    func empty() {
        #expect(limits.validateChannelName("")?.code == .invalidChannel)
    }

    @Test("256 ASCII bytes pass, 257 fail")
    func asciiBoundary() {
        #expect(limits.validateChannelName(String(repeating: "a", count: 256)) == nil)
        #expect(limits.validateChannelName(String(repeating: "a", count: 257))?.code == .invalidChannel)
    }

    @Test("multibyte characters are counted in UTF-8 bytes, not characters")
    func multibyte() {
        // é is 2 bytes, € is 3, 😀 is 4.
        #expect(limits.validateChannelName(String(repeating: "é", count: 128)) == nil)
        #expect(limits.validateChannelName(String(repeating: "é", count: 129))?.code == .invalidChannel)
        #expect(limits.validateChannelName(String(repeating: "€", count: 85) + "a") == nil)
        #expect(limits.validateChannelName(String(repeating: "€", count: 86))?.code == .invalidChannel)
        #expect(limits.validateChannelName(String(repeating: "😀", count: 64)) == nil)
        #expect(limits.validateChannelName(String(repeating: "😀", count: 64) + "a")?.code == .invalidChannel)
    }

    @Test(
        "control characters are refused: C0, DEL and C1",
        arguments: [
            "\u{0}", "\u{1}", "\t", "\n", "\r", "\u{1B}", "\u{1F}", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}",
        ])
    func controlCharacters(control: String) {
        #expect(limits.validateChannelName("room" + control + "1")?.code == .invalidChannel)
        #expect(limits.validateChannelName(control)?.code == .invalidChannel)
    }

    @Test(
        "the neighbours of the control ranges are allowed",
        arguments: [
            " ", "~", "\u{A0}", "\u{100}", "room:1/a-b_c.d", "чат", "部屋", "🎉",
        ])
    func allowed(name: String) {
        #expect(limits.validateChannelName(name) == nil)
    }

    @Test("a configured limit is honoured")
    func customLimit() {
        let small = ConnectionLimits(maxChannelNameBytes: 4)
        #expect(small.validateChannelName("abcd") == nil)
        #expect(small.validateChannelName("abcde")?.code == .invalidChannel)
        #expect(small.validateChannelName("ééé")?.code == .invalidChannel)
    }

    @Test("PROTOCOL.md defaults")
    func defaults() {
        #expect(limits.maxChannelNameBytes == 256)
        #expect(limits.maxMetadataBytes == 16 * 1024)
        #expect(limits.maxPayloadBytes == 64 * 1024)
        #expect(limits.maxChannelsPerConnection == 100)
    }
}
