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
        // Created in the actor's isolation, so the tasks run on the actor one after
        // another in creation order (same priority: the actor's queue is FIFO), each
        // running to its publish's enqueue on the lane before the next starts.
        Task {
            await EventSlot.$current.withValue(slot) {
                await self.handleEvent(packet)
            }
            self.window.finish(slot) { self.sendNow($0) }
        }
    }
}
