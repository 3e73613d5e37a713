import NIOCore

/// Collects the replies of one `pipeline` call; resumes its caller once,
/// when the last reply arrived or the first failure happened.
final class PipelineCollector {
    private var results: [RESPValue]
    private let expected: Int
    private var continuation: UnsafeContinuation<[RESPValue], any Error>?

    init(expected: Int, continuation: UnsafeContinuation<[RESPValue], any Error>) {
        self.results = []
        self.results.reserveCapacity(expected)
        self.expected = expected
        self.continuation = continuation
    }

    func append(_ reply: RESPValue) {
        self.results.append(reply)
        if self.results.count == self.expected, let continuation = self.continuation {
            self.continuation = nil
            continuation.resume(returning: self.results)
        }
    }

    func fail(_ error: RedisError) {
        if let continuation = self.continuation {
            self.continuation = nil
            continuation.resume(throwing: error)
        }
    }
}

/// Who is waiting for the next reply on a connection. Replies arrive in the
/// order commands were written, so these sit in a FIFO.
///
/// A bare continuation (rather than an `EventLoopPromise`) is the cheapest
/// thing an `async` caller can wait on: no future, no callback list.
struct PendingReply {
    enum Sink {
        case single(UnsafeContinuation<RESPValue, any Error>)
        case pipeline(PipelineCollector)
        /// For callers that must queue a command synchronously (to keep their own
        /// order) and wait for it later.
        case promise(EventLoopPromise<RESPValue>)
    }

    var sink: Sink
    /// When the reply is overdue; checked by the handler's timeout timer.
    var deadline: NIODeadline

    func succeed(_ reply: RESPValue) {
        switch self.sink {
        case .single(let continuation):
            continuation.resume(returning: reply)
        case .pipeline(let collector):
            collector.append(reply)
        case .promise(let promise):
            promise.succeed(reply)
        }
    }

    func fail(_ error: RedisError) {
        switch self.sink {
        case .single(let continuation):
            continuation.resume(throwing: error)
        case .pipeline(let collector):
            collector.fail(error)
        case .promise(let promise):
            promise.fail(error)
        }
    }
}
