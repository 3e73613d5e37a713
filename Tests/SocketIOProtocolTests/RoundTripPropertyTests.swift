import Testing

@testable import SocketIOProtocol

/// encode → decode must be the identity on every valid value. Seeds are fixed so
/// a failure reproduces exactly; the case index is in the failure message.
@Suite("Round-trip properties")
struct RoundTripPropertyTests {
    static let cases = 2_500

    @Test func splitMixMatchesTheReferenceSequence() {
        // First outputs of the reference C implementation seeded with 0.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func jsonValues() throws {
        var generator = Generator(seed: 0x5EED_0001)
        for index in 0..<Self.cases {
            let value = generator.json()
            let encoded = value.serialized
            let decoded = try JSONValue.parse(encoded)
            #expect(decoded == value, "case \(index): \(value)")
            #expect(decoded.serialized == encoded, "case \(index): output not deterministic")
            #expect(value.serializedByteCount == encoded.count, "case \(index)")
        }
    }

    @Test func deeplyNestedJSONUpToTheLimit() throws {
        var generator = Generator(seed: 0x5EED_0002)
        for index in 0..<200 {
            // Wrap a random leaf in exactly 32 containers.
            var value = generator.json(depth: 0, maxDepth: 0)
            for _ in 0..<32 {
                value = generator.bool() ? .array([value]) : .object([generator.string(maxLength: 3): value])
            }
            #expect(try JSONValue.parse(value.serialized) == value, "case \(index)")
        }
    }

    @Test func socketIOPackets() throws {
        var generator = Generator(seed: 0x5EED_0003)
        for index in 0..<Self.cases {
            let packet = generator.packet()
            let encoded = SocketIOCodec.encode(packet)
            #expect(try SocketIOCodec.decode(encoded) == packet, "case \(index): \(text(encoded))")
        }
    }

    @Test func engineIOMessages() throws {
        var generator = Generator(seed: 0x5EED_0004)
        for index in 0..<Self.cases {
            let packet = generator.packet()
            let frame = EngineIOCodec.encodeMessage(packet)
            #expect(try EngineIOCodec.decode(frame) == .message(packet), "case \(index): \(text(frame))")
        }
    }

    @Test func engineIOControlPackets() throws {
        var generator = Generator(seed: 0x5EED_0005)
        for index in 0..<500 {
            let probe: String? = generator.bool() ? nil : "x" + generator.string()
            let open = EngineIOOpen(
                sid: generator.string(),
                upgrades: (0..<generator.int(0...2)).map { _ in generator.string(maxLength: 5) },
                pingInterval: generator.int(0...1_000_000),
                pingTimeout: generator.int(0...1_000_000),
                maxPayload: generator.int(0...100_000_000)
            )
            for packet in [EngineIOPacket.open(open), .close, .ping(probe), .pong(probe), .upgrade, .noop] {
                #expect(try EngineIOCodec.decode(EngineIOCodec.encode(packet)) == packet, "case \(index): \(packet)")
            }
        }
    }
}
