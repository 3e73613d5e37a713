import NIOCore
import Testing

@testable import RealtimeRedis

@Suite("Pub/sub envelope")
struct EnvelopeTests {
    @Test("round trip: publish time, excluded sender and the frame unchanged")
    func roundTrip() throws {
        let frame = ByteBuffer(string: #"42["m",{"a":"x y\nz"}]"#)
        let decoded = try #require(Envelope.decode(Envelope.encode(frame: frame, excluding: "sid-1", publishedAt: 1_733_000_000_123_456)))
        #expect(decoded.excluding == "sid-1")
        #expect(decoded.publishedAt == 1_733_000_000_123_456)
        #expect(decoded.frame == frame)
        let anonymous = try #require(Envelope.decode(Envelope.encode(frame: frame, excluding: nil, publishedAt: 7)))
        #expect(anonymous.excluding == nil && anonymous.publishedAt == 7 && anonymous.frame == frame)
    }

    @Test("the previous release's envelope (no time) still decodes, for rolling upgrades")
    func previousFormat() throws {
        let old = try #require(Envelope.decode(ByteBuffer(string: "sid-9\n42[\"m\"]")))
        #expect(old.excluding == "sid-9" && old.publishedAt == nil && String(buffer: old.frame) == #"42["m"]"#)
        let oldAnonymous = try #require(Envelope.decode(ByteBuffer(string: "\n42[\"m\"]")))
        #expect(oldAnonymous.excluding == nil && oldAnonymous.publishedAt == nil)
        // A digit-only socket id without a space is an id, not a time.
        #expect(Envelope.decode(ByteBuffer(string: "12345\n4"))?.excluding == "12345")
        #expect(Envelope.decode(ByteBuffer(string: "no newline")) == nil)
    }
}
