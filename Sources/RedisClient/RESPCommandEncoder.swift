import CHiredis
import NIOCore

/// Encodes commands as RESP arrays with hiredis' `redisFormatCommandArgv`.
///
/// Owned by exactly one channel handler, so its scratch storage is reused for
/// every command on that connection instead of being allocated per command.
final class RESPCommandEncoder {
    /// All argument bytes of the command being encoded, back to back, so that
    /// one base pointer plus offsets can describe every argument at once.
    private var scratch: ByteBuffer
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var argv: [UnsafePointer<CChar>?] = []

    init(allocator: ByteBufferAllocator) {
        self.scratch = allocator.buffer(capacity: 512)
    }

    /// Appends the RESP encoding of `command` to `output`.
    func encode(_ command: RedisCommand, into output: inout ByteBuffer) throws(RedisError) {
        self.scratch.clear()
        self.offsets.removeAll(keepingCapacity: true)
        self.lengths.removeAll(keepingCapacity: true)

        self.append { $0.writeString(command.name) }
        for argument in command.arguments {
            self.append { argument.write(into: &$0) }
        }
        // A trailing byte keeps the scratch buffer non-empty, so its base
        // address is never nil even for zero-length arguments.
        self.scratch.writeInteger(UInt8(0))

        let encoded: Int32 = self.scratch.withUnsafeReadableBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            self.argv.removeAll(keepingCapacity: true)
            for offset in self.offsets {
                self.argv.append(UnsafePointer(base + offset))
            }
            var target: UnsafeMutablePointer<CChar>?
            let count = redisFormatCommandArgv(&target, Int32(self.argv.count), &self.argv, self.lengths)
            if count > 0, let target {
                output.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(count)))
            }
            redisFreeCommand(target)
            return count
        }
        // hiredis only fails when malloc does.
        guard encoded > 0 else {
            throw RedisError.protocolError("could not encode command \(command.name)")
        }
    }

    private func append(_ write: (inout ByteBuffer) -> Void) {
        let start = self.scratch.writerIndex
        write(&self.scratch)
        self.offsets.append(start)
        self.lengths.append(self.scratch.writerIndex - start)
    }
}
