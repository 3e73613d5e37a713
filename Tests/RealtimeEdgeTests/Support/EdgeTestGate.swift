/// Lets timing-sensitive tests (heartbeat deadlines, socket floods) run alone while
/// the other edge tests run in parallel: shared holders run together, an exclusive
/// holder runs by itself. First come, first served.
actor EdgeTestGate {
    static let shared = EdgeTestGate()

    private var sharedHolders = 0
    private var exclusiveHeld = false
    private var waiters: [(exclusive: Bool, continuation: CheckedContinuation<Void, Never>)] = []

    func acquire(exclusive: Bool) async {
        if waiters.isEmpty, canEnter(exclusive: exclusive) {
            enter(exclusive: exclusive)
            return
        }
        await withCheckedContinuation { waiters.append((exclusive, $0)) }
    }

    func release(exclusive: Bool) {
        if exclusive { exclusiveHeld = false } else { sharedHolders -= 1 }
        while let next = waiters.first, canEnter(exclusive: next.exclusive) {
            waiters.removeFirst()
            enter(exclusive: next.exclusive)
            next.continuation.resume()
        }
    }

    private func canEnter(exclusive: Bool) -> Bool {
        exclusive ? (!exclusiveHeld && sharedHolders == 0) : !exclusiveHeld
    }

    private func enter(exclusive: Bool) {
        if exclusive { exclusiveHeld = true } else { sharedHolders += 1 }
    }
}
