import Logging
import NIOCore

/// The channel handler of the subscriber's connection.
///
/// In subscribed mode Redis pushes messages at any time, so replies are not
/// matched purely FIFO: pushes are recognised by their first element
/// ("message", "subscribe", "pong", ...), and only the rest (AUTH's reply)
/// goes to the FIFO of plain waiters.
///
/// It also runs the liveness probe: every `probeInterval` a PING is sent, and
/// if the previous one is still unanswered the connection is declared dead
/// and closed. TCP alone would not notice a peer that stopped reading.
final class PubSubHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let logger: Logger
    private let probeInterval: TimeAmount
    private let onMessage: @Sendable (RedisPubSubMessage) -> Void
    /// A shard channel Redis dropped on its own (its slot moved, or this node is no
    /// longer a master): the caller subscribes it again where it now lives.
    private let onShardChannelDropped: @Sendable (String) -> Void
    private let allocator = ByteBufferAllocator()
    private let encoder: RESPCommandEncoder
    private let decoder: RESPReplyDecoder

    private var context: ChannelHandlerContext?
    private var isClosed = false
    private var plainWaiters = CircularBuffer<(Result<RESPValue, RedisError>) -> Void>()
    private var changes = CircularBuffer<SubscriptionChange>()
    private var probeTimer: Scheduled<Void>?
    private var awaitingPong = false

    init(
        probeInterval: TimeAmount, logger: Logger, onMessage: @escaping @Sendable (RedisPubSubMessage) -> Void,
        onShardChannelDropped: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.onShardChannelDropped = onShardChannelDropped
        self.probeInterval = probeInterval
        self.logger = logger
        self.onMessage = onMessage
        self.encoder = RESPCommandEncoder(allocator: self.allocator)
        self.decoder = RESPReplyDecoder(allocator: self.allocator)
    }

    // MARK: Commands (on the event loop)

    /// Sends a regular command (AUTH) whose reply is not a push.
    func send(_ command: RedisCommand, reply: @escaping (Result<RESPValue, RedisError>) -> Void) {
        guard self.write(command) else {
            reply(.failure(.notConnected))
            return
        }
        self.plainWaiters.append(reply)
    }

    /// Sends SUBSCRIBE/UNSUBSCRIBE/PSUBSCRIBE/PUNSUBSCRIBE for `names`;
    /// `completion` runs once Redis confirmed every name (nil) or on failure.
    func change(_ kind: SubscriptionChange.Kind, _ names: [String], completion: @escaping (RedisError?) -> Void) {
        guard !names.isEmpty else {
            completion(nil)
            return
        }
        guard self.write(RedisCommand(kind.commandName, names.map { .string($0) })) else {
            completion(.notConnected)
            return
        }
        self.changes.append(SubscriptionChange(kind: kind, remainingConfirmations: names.count, completion: completion))
    }

    private func write(_ command: RedisCommand) -> Bool {
        guard let context, !self.isClosed else {
            return false
        }
        var buffer = self.allocator.buffer(capacity: 64)
        do {
            try self.encoder.encode(command, into: &buffer)
        } catch {
            return false
        }
        // Subscription changes are rare; no need to coalesce their flushes.
        context.writeAndFlush(self.wrapOutboundOut(buffer), promise: nil)
        return true
    }

    // MARK: Probe

    private func scheduleProbe(context: ChannelHandlerContext) {
        self.probeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.probeInterval) {
            self.probe()
        }
    }

    private func probe() {
        guard let context, !self.isClosed else {
            return
        }
        if self.awaitingPong {
            self.logger.warning("Redis pub/sub connection did not answer its probe; reconnecting")
            self.abort(with: .timeout, context: context)
            return
        }
        self.awaitingPong = true
        _ = self.write(RedisCommand("PING"))
        self.scheduleProbe(context: context)
    }

    // MARK: Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do throws(RedisError) {
            try self.decoder.feed(self.unwrapInboundIn(data))
            while let reply = try self.decoder.next() {
                try self.dispatch(reply)
            }
        } catch {
            self.logger.error("Redis pub/sub protocol failure", metadata: ["error": "\(error)"])
            self.abort(with: error, context: context)
        }
    }

    private func dispatch(_ reply: RESPValue) throws(RedisError) {
        switch reply {
        case .array(let items?) where !items.isEmpty:
            guard let kind = items[0].string else {
                throw .protocolError("unexpected pub/sub push \(reply)")
            }
            try self.dispatchPush(kind: kind, items: items)
        case .simpleString("PONG"):
            // PING outside subscribed mode (nothing subscribed yet).
            self.awaitingPong = false
        case .error(let message) where self.plainWaiters.isEmpty:
            // An error for a SUBSCRIBE-family command, e.g. NOPERM.
            guard let change = self.changes.popFirst() else {
                throw .protocolError("unexpected error reply \(message)")
            }
            change.completion(.server(message))
        default:
            guard let waiter = self.plainWaiters.popFirst() else {
                throw .protocolError("unexpected reply \(reply)")
            }
            waiter(.success(reply))
        }
    }

    private func dispatchPush(kind: String, items: [RESPValue]) throws(RedisError) {
        switch kind {
        case "message", "smessage":
            guard items.count == 3, let topic = items[1].string, let payload = items[2].buffer else {
                throw .protocolError("malformed message push")
            }
            self.onMessage(RedisPubSubMessage(topic: topic, pattern: nil, payload: payload))
        case "pmessage":
            guard items.count == 4, let pattern = items[1].string, let topic = items[2].string,
                let payload = items[3].buffer
            else {
                throw .protocolError("malformed pmessage push")
            }
            self.onMessage(RedisPubSubMessage(topic: topic, pattern: pattern, payload: payload))
        case "pong":
            self.awaitingPong = false
        default:
            guard let changeKind = SubscriptionChange.Kind(confirmation: kind) else {
                throw .protocolError("unknown pub/sub push \(kind)")
            }
            self.confirm(changeKind, name: items.count > 1 ? items[1].string : nil)
        }
    }

    private func confirm(_ kind: SubscriptionChange.Kind, name: String?) {
        guard let index = self.changes.firstIndex(where: { $0.kind == kind }) else {
            if kind == .sunsubscribe, let name {
                self.onShardChannelDropped(name)
                return
            }
            // E.g. Redis telling us about a subscription we did not ask for;
            // harmless, nobody is waiting.
            self.logger.debug("Unmatched pub/sub confirmation", metadata: ["kind": "\(kind.rawValue)"])
            return
        }
        self.changes[index].remainingConfirmations -= 1
        if self.changes[index].remainingConfirmations == 0 {
            let change = self.changes.remove(at: index)
            change.completion(nil)
        }
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive {
            self.scheduleProbe(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.scheduleProbe(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failAll(.connectionClosed)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("Redis pub/sub connection error", metadata: ["error": "\(error)"])
        self.abort(with: .connectionClosed, context: context)
    }

    private func abort(with error: RedisError, context: ChannelHandlerContext) {
        self.failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: RedisError) {
        self.isClosed = true
        self.probeTimer?.cancel()
        self.probeTimer = nil
        while let waiter = self.plainWaiters.popFirst() {
            waiter(.failure(error))
        }
        while let change = self.changes.popFirst() {
            change.completion(error)
        }
    }
}
