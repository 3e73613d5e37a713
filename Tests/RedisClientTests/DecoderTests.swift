import NIOCore
import Testing

@testable import RedisClient

/// The hiredis-backed decoder on hand-written input, including the awkward
/// cases a server rarely produces on demand: replies split at every byte.
@Suite("RESP decoder")
struct DecoderTests {
    private func decodeAll(_ chunks: [String]) throws -> [RESPValue] {
        let decoder = RESPReplyDecoder(allocator: ByteBufferAllocator())
        var replies: [RESPValue] = []
        for chunk in chunks {
            try decoder.feed(ByteBuffer(string: chunk))
            while let reply = try decoder.next() {
                replies.append(reply)
            }
        }
        return replies
    }

    private let stream =
        "+OK\r\n-ERR bad\r\n:-12\r\n$5\r\nhe\r\no\r\n$-1\r\n*-1\r\n*0\r\n$0\r\n\r\n"
        + "*3\r\n*2\r\n:1\r\n$1\r\nx\r\n*0\r\n*1\r\n$-1\r\n"

    private var expected: [RESPValue] {
        [
            .simpleString("OK"),
            .error("ERR bad"),
            .integer(-12),
            .bulkString(ByteBuffer(string: "he\r\no")),
            .bulkString(nil),
            .array(nil),
            .array([]),
            .bulkString(ByteBuffer()),
            .array([
                .array([.integer(1), .bulkString(ByteBuffer(string: "x"))]),
                .array([]),
                .array([.bulkString(nil)]),
            ]),
        ]
    }

    @Test func decodesEveryTypeInOneChunk() throws {
        #expect(try self.decodeAll([self.stream]) == self.expected)
    }

    @Test func decodesInputSplitAtEveryByte() throws {
        #expect(try self.decodeAll(self.stream.map { String($0) }) == self.expected)
    }

    @Test func rejectsGarbage() {
        #expect(throws: RedisError.self) {
            try self.decodeAll(["+OK\r\n", "?what\r\n"])
        }
    }

    @Test func encoderProducesRESPArrays() throws {
        let encoder = RESPCommandEncoder(allocator: ByteBufferAllocator())
        var output = ByteBuffer()
        try encoder.encode(RedisCommand("SET", "k\r\n", .bytes([0, 1]), .int(-5)), into: &output)
        try encoder.encode(RedisCommand("PING"), into: &output)
        let expected = "*4\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$2\r\n\u{0}\u{1}\r\n$2\r\n-5\r\n*1\r\n$4\r\nPING\r\n"
        #expect(String(buffer: output) == expected)
    }
}
