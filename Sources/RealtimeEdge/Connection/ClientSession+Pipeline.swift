import NIOCore
import RealtimeCore
import SocketIOProtocol

/// How a session's events overlap.
///
/// A `message` event is a publish: it is started in event order on the session's
/// PublishLane (one pinned Redis connection, which applies them in order), and the
/// inbox moves on to the next event without waiting for Redis, up to
/// `EventWindow.capacity` in flight. When the window is full the inbox waits, stops
/// being drained, and its high water pauses reading the socket.
///
/// Any other event (join, leave, update, members) first waits for the publishes in
/// flight, and later events wait for it: a join acked before a message is applied
/// before it, and the other way round. Answers leave in event order (EventWindow).
extension ClientSession {
    func dispatch(_ packet: SocketIOPacket) async {
        guard packet.eventName == "message" else {
            await window.idle()
            await handleEvent(packet)
            return
        }
        let slot = await window.open()
        // The publish is started here, by the drain itself, so its place on the lane is
        // the event's place in the inbox; only the wait for its outcome (and the answer)
        // is left to a task of its own.
        let started = StartedPublish { try self.startMessage(packet.eventArguments.first ?? .null, rateLimits: self.rateLimitCheck()) }
        Task {
            await EventSlot.$current.withValue(slot) {
                await self.handleEvent(packet, started: started)
            }
            self.window.finish(slot) { self.sendNow($0) }
        }
    }
}

/// A `message` whose publish has been started in event order, or the error that kept
/// it from starting (an invalid payload, a channel rule).
typealias StartedPublish = Result<EventLoopFuture<RateLimit?>?, any Error>
