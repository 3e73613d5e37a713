import CHiredis
import NIOCore

/// The state hiredis' reply callbacks build into while one reply is parsed.
///
/// hiredis hands each callback an opaque `obj` of the parent array; we use a
/// `RESPArrayBuilder` for that. Everything is owned by this context (the root)
/// or by the parent builder, so the pointers given to hiredis are all
/// unretained and `freeObject` has nothing to do: an abandoned partial reply
/// is dropped by resetting `root`.
final class RESPDecodingContext {
    enum Root {
        case value(RESPValue)
        case array(RESPArrayBuilder)
    }

    let allocator: ByteBufferAllocator
    var root: Root?

    init(allocator: ByteBufferAllocator) {
        self.allocator = allocator
    }

    func takeRoot() -> RESPValue? {
        defer { self.root = nil }
        switch self.root {
        case .value(let value):
            return value
        case .array(let builder):
            return .array(builder.build())
        case nil:
            return nil
        }
    }

    /// hiredis only needs a non-NULL object for leaves (NULL means "out of
    /// memory"); it never dereferences it, and we never free it.
    static var leafMarker: UnsafeMutableRawPointer { UnsafeMutableRawPointer(bitPattern: 0x1)! }

    /// Places a finished leaf value at the root or in its parent array.
    func attach(_ value: RESPValue, parent: UnsafeMutablePointer<redisReadTask>?) -> UnsafeMutableRawPointer {
        if let parent, let parentObject = parent.pointee.obj {
            Unmanaged<RESPArrayBuilder>.fromOpaque(parentObject).takeUnretainedValue().append(value)
        } else {
            self.root = .value(value)
        }
        return Self.leafMarker
    }

    /// Starts an array that hiredis will fill through later callbacks.
    func attach(_ builder: RESPArrayBuilder, parent: UnsafeMutablePointer<redisReadTask>?) -> UnsafeMutableRawPointer {
        if let parent, let parentObject = parent.pointee.obj {
            Unmanaged<RESPArrayBuilder>.fromOpaque(parentObject).takeUnretainedValue().append(builder)
        } else {
            self.root = .array(builder)
        }
        return Unmanaged.passUnretained(builder).toOpaque()
    }

    private static func context(of task: UnsafePointer<redisReadTask>) -> RESPDecodingContext {
        Unmanaged<RESPDecodingContext>.fromOpaque(task.pointee.privdata).takeUnretainedValue()
    }

    /// The callback table given to `redisReaderCreateWithFunctions`.
    /// C function pointers cannot capture, so every callback finds its context
    /// through `task->privdata`.
    static var callbacks: redisReplyObjectFunctions {
        redisReplyObjectFunctions(
            createString: { task, bytes, length in
                guard let task else { return nil }
                let context = RESPDecodingContext.context(of: task)
                let raw = UnsafeRawBufferPointer(start: bytes, count: length)
                let value: RESPValue
                switch task.pointee.type {
                case REDIS_REPLY_STATUS:
                    value = .simpleString(String(decoding: raw, as: UTF8.self))
                case REDIS_REPLY_ERROR:
                    value = .error(String(decoding: raw, as: UTF8.self))
                default:
                    var buffer = context.allocator.buffer(capacity: length)
                    buffer.writeBytes(raw)
                    value = .bulkString(buffer)
                }
                return context.attach(value, parent: task.pointee.parent)
            },
            createArray: { task, count in
                guard let task else { return nil }
                let context = RESPDecodingContext.context(of: task)
                // hiredis never descends into an empty array, so it is a leaf.
                if count == 0 {
                    return context.attach(.array([]), parent: task.pointee.parent)
                }
                return context.attach(RESPArrayBuilder(capacity: Int(count)), parent: task.pointee.parent)
            },
            createInteger: { task, value in
                guard let task else { return nil }
                return RESPDecodingContext.context(of: task).attach(.integer(Int64(value)), parent: task.pointee.parent)
            },
            createNil: { task in
                guard let task else { return nil }
                // The task type is what distinguishes `*-1` from `$-1`.
                let value: RESPValue = task.pointee.type == REDIS_REPLY_ARRAY ? .array(nil) : .bulkString(nil)
                return RESPDecodingContext.context(of: task).attach(value, parent: task.pointee.parent)
            },
            freeObject: { _ in }
        )
    }
}
