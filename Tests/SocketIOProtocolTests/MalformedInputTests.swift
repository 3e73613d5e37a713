import Testing

@testable import SocketIOProtocol

/// Hostile and broken input must end in a typed error or a valid packet: never a
/// trap, never a hang. Each test runs thousands of seeded cases.
@Suite("Malformed input")
struct MalformedInputTests {
    /// Bytes that matter to the grammars, plus invalid UTF-8 and arbitrary bytes.
    static let alphabet: [UInt8] = Array(#"0123456789/,-[]{}":\ tfnrue.eE+abcXzé"#.utf8) + [0x00, 0x1F, 0x80, 0xBF, 0xC3, 0xED, 0xF0, 0xFF]

    static let validFrames: [String] = [
        "0", "40", #"0{"token":"123"}"#, #"40/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
        #"42["foo"]"#, #"42/admin,456["project:delete",123]"#, "43/admin,456[]", "41",
        #"44{"message":"Not authorized"}"#, #"451-["hello",{"_placeholder":true,"num":0}]"#,
        EngineIOCodecTests.handshake, "2probe", "3probe", "6",
        #"42["chat","h\u00e9 \uD83D\uDE00 \n",1.5e-3,-0,[true,false,null],{"k":"v"}]"#,
    ]

    /// Runs every decoder on the input; the typed `catch` proves that only the
    /// documented error types can come out.
    static func decodeEverything(_ input: [UInt8]) -> Int {
        var failures = 0
        do { _ = try EngineIOCodec.decode(input) } catch {
            _ = error.description
            failures += 1
        }
        do { _ = try SocketIOCodec.decode(input) } catch {
            _ = error.description
            failures += 1
        }
        do { _ = try JSONValue.parse(input) } catch {
            _ = error.description
            failures += 1
        }
        return failures
    }

    @Test func randomByteStrings() {
        var generator = Generator(seed: 0xBAD_0001)
        var failures = 0
        for _ in 0..<4_000 {
            let length = generator.int(0...48)
            let input = (0..<length).map { _ in
                generator.int(0...9) == 0 ? UInt8(generator.int(0...255)) : generator.pick(Self.alphabet)
            }
            failures += Self.decodeEverything(input)
        }
        // Sanity check that the generator actually produces mostly garbage.
        #expect(failures > 4_000)
    }

    @Test func truncationsOfValidFrames() {
        var generator = Generator(seed: 0xBAD_0002)
        var frames = Self.validFrames.map(bytes)
        for _ in 0..<100 {
            frames.append(EngineIOCodec.encodeMessage(generator.packet()))
        }
        var checked = 0
        for frame in frames {
            // Every prefix of short frames; for long ones a spread of ~40 cut points
            // keeps the (quadratic) total cost bounded.
            let stride = max(1, frame.count / 40)
            for end in Swift.stride(from: 0, through: frame.count, by: stride) {
                _ = Self.decodeEverything(Array(frame[..<end]))
                // Also without the Engine.IO type digit, as a bare Socket.IO packet.
                if end > 0 { _ = Self.decodeEverything(Array(frame[1..<end])) }
                checked += 1
            }
        }
        #expect(checked > 3_000)
    }

    @Test func singleByteMutationsOfValidFrames() {
        var generator = Generator(seed: 0xBAD_0003)
        let frames = Self.validFrames.map(bytes)
        for _ in 0..<4_000 {
            var frame = generator.pick(frames)
            let position = generator.int(0...frame.count - 1)
            switch generator.int(0...2) {
            case 0: frame[position] = generator.pick(Self.alphabet)
            case 1: frame.remove(at: position)
            default: frame.insert(generator.pick(Self.alphabet), at: position)
            }
            _ = Self.decodeEverything(frame)
        }
    }

    @Test func truncatedFramesNeverDecodeAsSomethingElseSilently() throws {
        // Dropping the closing bracket of an event must not yield a packet.
        for frame in [#"42["chat","hi"]"#, #"42/admin,456["project:delete",123]"#] {
            let truncated = Array(bytes(frame).dropLast())
            #expect(engineIOError(truncated) != nil)
        }
    }

    @Test func longInputsStayLinear() {
        // Large but shallow documents: must be fast, not quadratic.
        let manyElements = "42[\"bulk\"" + String(repeating: ",\"x\\n\\u00e9y\"", count: 20_000) + "]"
        #expect(engineIOError(bytes(manyElements)) == nil)
        let longString = "42[\"s\",\"" + String(repeating: "é", count: 200_000) + "\"]"
        #expect(engineIOError(bytes(longString)) == nil)
        let unterminated = "42[\"s\",\"" + String(repeating: "a", count: 200_000)
        #expect(engineIOError(bytes(unterminated)) != nil)
        let deep = "42[\"s\"," + String(repeating: "{\"a\":", count: 100_000)
        #expect(engineIOError(bytes(deep)) != nil)
    }
}
