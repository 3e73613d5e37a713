import NIOCore

/// The `message` events of one session that are in flight at once (their publishes
/// pipelined on the session's PublishLane), and the order of their answers.
///
/// Each pipelined event gets a slot, numbered in event order. The frames an event
/// sends (its ack, or its error) go out at once when every earlier slot is done, and
/// are held until then otherwise, so acks leave in event order even when a later
/// event fails fast (a bad payload) while an earlier one waits for Redis.
///
/// Used only in its session's isolation.
final class EventWindow {
    /// Publishes in flight per connection: enough to cover a Redis round trip under
    /// load at thousands of messages a second, small enough to bound what one
    /// connection holds.
    static let capacity = 32

    private var nextSlot = 0
    /// The oldest slot not finished yet: its frames go straight out.
    private var oldest = 0
    private var finished: Set<Int> = []
    private var held: [Int: [ByteBuffer]] = [:]
    private var slotWaiters: [CheckedContinuation<Void, Never>] = []
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    var inFlight: Int { nextSlot - oldest }
    var isIdle: Bool { inFlight == 0 }

    /// Waits for room, then opens the next slot.
    func open(isolation: isolated (any Actor)? = #isolation) async -> Int {
        while inFlight >= Self.capacity {
            await withCheckedContinuation(isolation: isolation) { slotWaiters.append($0) }
        }
        defer { nextSlot += 1 }
        return nextSlot
    }

    /// Waits until every open slot has finished (before an event that must not
    /// overlap publishes: join, leave, update, members, the end of the session).
    func idle(isolation: isolated (any Actor)? = #isolation) async {
        while !isIdle {
            await withCheckedContinuation(isolation: isolation) { idleWaiters.append($0) }
        }
    }

    /// A frame of slot `slot`: true when it is held for later, false when it may go now.
    func hold(_ frame: ByteBuffer, slot: Int) -> Bool {
        guard slot != oldest else { return false }
        held[slot, default: []].append(frame)
        return true
    }

    /// Slot `slot` is done; `send` gets the held frames that may go now, in order.
    func finish(_ slot: Int, send: (ByteBuffer) -> Void) {
        finished.insert(slot)
        while finished.remove(oldest) != nil {
            oldest += 1
            // The new oldest slot's frames were held while an earlier one was pending.
            if let frames = held.removeValue(forKey: oldest) {
                frames.forEach(send)
            }
        }
        let slots = slotWaiters
        slotWaiters.removeAll()
        slots.forEach { $0.resume() }
        if isIdle {
            let idlers = idleWaiters
            idleWaiters.removeAll()
            idlers.forEach { $0.resume() }
        }
    }
}

/// The pipelined event whose frames the current task sends, if any.
enum EventSlot {
    @TaskLocal static var current: Int?
}
