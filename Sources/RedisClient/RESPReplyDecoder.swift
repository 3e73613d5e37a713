import CHiredis
import NIOCore

/// Decodes RESP2 replies with a hiredis `redisReader`.
///
/// Instead of letting hiredis build its own `redisReply` trees (which would
/// copy every string once more and cannot tell a null array from a null bulk
/// string), the reader is created with our own object callbacks: they build
/// `RESPValue`s directly, copying each bulk string exactly once, from the
/// reader's buffer into a `ByteBuffer`.
///
/// Not thread-safe: one decoder belongs to one channel handler, so it is only
/// ever touched from that channel's event loop.
final class RESPReplyDecoder {
    private let reader: UnsafeMutablePointer<redisReader>
    private let functions: UnsafeMutablePointer<redisReplyObjectFunctions>
    private let context: RESPDecodingContext

    init(allocator: ByteBufferAllocator) {
        self.context = RESPDecodingContext(allocator: allocator)
        self.functions = .allocate(capacity: 1)
        self.functions.initialize(to: RESPDecodingContext.callbacks)
        // Only returns nil when malloc fails, which we treat like Swift does.
        self.reader = redisReaderCreateWithFunctions(self.functions)!
        // The context outlives the reader (both die in deinit), so an
        // unretained reference is enough.
        chiredis_reader_set_privdata(self.reader, Unmanaged.passUnretained(self.context).toOpaque())
    }

    deinit {
        redisReaderFree(self.reader)
        self.functions.deallocate()
    }

    /// Hands received bytes to the reader (which copies them).
    func feed(_ buffer: ByteBuffer) throws(RedisError) {
        let status = buffer.withUnsafeReadableBytes { raw -> Int32 in
            guard let base = raw.baseAddress, raw.count > 0 else {
                return REDIS_OK
            }
            return redisReaderFeed(self.reader, base.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard status == REDIS_OK else {
            throw self.readerError()
        }
    }

    /// The next complete reply, or nil if more bytes are needed.
    /// After a thrown error the stream is unusable and the connection must go.
    func next() throws(RedisError) -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        let status = redisReaderGetReply(self.reader, &reply)
        guard status == REDIS_OK else {
            self.context.root = nil
            throw self.readerError()
        }
        guard reply != nil else {
            return nil
        }
        return self.context.takeRoot()
    }

    private func readerError() -> RedisError {
        .protocolError(String(cString: chiredis_reader_errstr(self.reader)))
    }
}
