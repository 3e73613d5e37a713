import NIOCore

/// In memory a publish is done when the call returns: nothing to pipeline.
final class MemoryPublishLane: PublishLane {
    private let bus: MemoryMessageBus
    private let loop: any EventLoop

    init(bus: MemoryMessageBus, loop: any EventLoop) {
        self.bus = bus
        self.loop = loop
    }

    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?)
        -> EventLoopFuture<RateLimit?>
    {
        do {
            try bus.enforce(check)
        } catch let exceeded as RateLimitExceeded {
            return loop.makeSucceededFuture(exceeded.limit)
        } catch {
            return loop.makeFailedFuture(error)
        }
        bus.deliver(topic, frame: frame, excluding: excluding, retaining: retaining)
        return loop.makeSucceededFuture(nil)
    }
}
