import NIOCore
import RedisClient
import Testing

/// Every RESP2 reply type, as produced by a real server.
@Suite("Reply types", .timeLimit(.minutes(1)))
struct ReplyTypeTests {
    @Test func simpleStringAndInteger() async throws {
        try await withRedisConnection { connection in
            #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
            #expect(try await connection.send(RedisCommand("SET", "k", "v")) == .simpleString("OK"))
            #expect(try await connection.send(RedisCommand("INCR", "n")) == .integer(1))
            let decremented = try await connection.send(RedisCommand("DECRBY", "n", 43))
            #expect(decremented == .integer(-42))
            #expect(decremented.int == -42)
        }
    }

    @Test func errorRepliesAreThrownBySendAndReturnedByPipeline() async throws {
        try await withRedisConnection { connection in
            do {
                _ = try await connection.send(RedisCommand("NOSUCHCOMMAND"))
                Issue.record("an unknown command must fail")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("ERR unknown command"))
            }

            _ = try await connection.send(RedisCommand("SET", "s", "text"))
            do {
                _ = try await connection.send(RedisCommand("LPUSH", "s", "x"))
                Issue.record("LPUSH on a string must fail")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("WRONGTYPE"))
            }

            let replies = try await connection.pipeline([
                RedisCommand("PING"), RedisCommand("LPUSH", "s", "x"), RedisCommand("GET", "s"),
            ])
            #expect(replies.count == 3)
            #expect(replies.first == .simpleString("PONG"))
            #expect(replies.dropFirst().first?.errorMessage?.hasPrefix("WRONGTYPE") == true)
            #expect(replies.last?.string == "text")
            // The connection is still usable after error replies.
            #expect(try await connection.send(RedisCommand("PING")) == .simpleString("PONG"))
        }
    }

    @Test func bulkAndNullBulk() async throws {
        try await withRedisConnection { connection in
            _ = try await connection.send(RedisCommand("SET", "k", "välue"))
            let value = try await connection.send(RedisCommand("GET", "k"))
            #expect(value == .bulkString(ByteBuffer(string: "välue")))
            #expect(value.string == "välue")
            #expect(!value.isNull)

            let empty = try await connection.send(RedisCommand("ECHO", ""))
            #expect(empty == .bulkString(ByteBuffer()))
            #expect(!empty.isNull)

            let missing = try await connection.send(RedisCommand("GET", "missing"))
            #expect(missing == .bulkString(nil))
            #expect(missing.isNull)
            #expect(missing.string == nil)
        }
    }

    @Test func arraysEmptyNestedAndNull() async throws {
        try await withRedisConnection { connection in
            _ = try await connection.send(RedisCommand("RPUSH", "list", "a", "b", "c"))
            let list = try await connection.send(RedisCommand("LRANGE", "list", 0, -1))
            #expect(list.array?.compactMap(\.string) == ["a", "b", "c"])

            let empty = try await connection.send(RedisCommand("LRANGE", "nolist", 0, -1))
            #expect(empty == .array([]))
            #expect(!empty.isNull)

            // BLPOP that times out answers with the RESP2 null array (*-1),
            // which must stay distinct from a null bulk string.
            let timedOut = try await connection.send(RedisCommand("BLPOP", "nolist", "0.01"))
            #expect(timedOut == .array(nil))
            #expect(timedOut.isNull)

            // Lua tables give nested arrays, including status and error
            // replies and an empty array inside.
            let script = "return {1, {2, 'x', {}}, {ok='fine'}, {err='boom'}, 'tail'}"
            let nested = try await connection.send(RedisCommand("EVAL", .string(script), 0))
            #expect(
                nested
                    == .array([
                        .integer(1),
                        .array([.integer(2), .bulkString(ByteBuffer(string: "x")), .array([])]),
                        .simpleString("fine"),
                        .error("boom"),
                        .bulkString(ByteBuffer(string: "tail")),
                    ])
            )

            let deep = try await connection.send(RedisCommand("EVAL", "return {{{{{7}}}}}", 0))
            #expect(deep == .array([.array([.array([.array([.array([.integer(7)])])])])]))
        }
    }

    @Test func bulkStringsAreBinarySafe() async throws {
        try await withRedisConnection { connection in
            let tricky: [UInt8] = [0, 13, 10, 36, 45, 49, 13, 10, 0, 255, 254, 42, 13]
            _ = try await connection.send(RedisCommand("SET", .bytes(tricky), .bytes(tricky)))
            let value = try await connection.send(RedisCommand("GET", .buffer(ByteBuffer(bytes: tricky))))
            #expect(value.buffer.map { Array($0.readableBytesView) } == tricky)

            // Large enough to arrive in many reads that the reader must
            // reassemble.
            var large = [UInt8](repeating: 0, count: 1 << 20)
            for index in large.indices {
                large[index] = UInt8(truncatingIfNeeded: index &* 31 &+ index >> 8)
            }
            _ = try await connection.send(RedisCommand("SET", "large", .bytes(large)))
            let echoed = try await connection.send(RedisCommand("GET", "large"))
            #expect(echoed.buffer?.readableBytes == large.count)
            #expect(echoed.buffer.map { Array($0.readableBytesView) } == large)
            #expect(try await connection.send(RedisCommand("STRLEN", "large")) == .integer(Int64(large.count)))
        }
    }
}
