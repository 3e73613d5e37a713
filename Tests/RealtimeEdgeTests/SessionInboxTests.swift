import NIOCore
import NIOEmbedded
import Testing

@testable import RealtimeEdge

/// SessionInbox on an EmbeddedChannel: reads are paused and resumed through the
/// channel's `autoRead` option, which EmbeddedChannel records in `options`.
@Suite("SessionInbox")
struct SessionInboxTests {
    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// The last `autoRead` value set on the channel; nil when never set.
    private func autoRead(_ channel: EmbeddedChannel) -> Bool? {
        channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }?.value as? Bool
    }

    private func describe(_ message: SessionInbox.Message?) -> String {
        switch message {
        case .text(let text): "text:\(text)"
        case .binary: "binary"
        case .ended: "ended"
        case nil: "nil"
        }
    }

    private func finish(_ channel: EmbeddedChannel) {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: Ordering and drain tasks

    @Test("the first put into an idle inbox asks for a drain task; puts while one runs do not")
    func putStartsDrainOnlyWhenIdle() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        #expect(inbox.put(.text("a")))
        #expect(!inbox.put(.text("b")))
        #expect(!inbox.put(.binary))
    }

    @Test("next returns messages in put order, then nil")
    func nextInPutOrder() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        _ = inbox.put(.text("one"))
        _ = inbox.put(.binary)
        _ = inbox.put(.text("three"))
        #expect(describe(inbox.next()) == "text:one")
        #expect(describe(inbox.next()) == "binary")
        #expect(describe(inbox.next()) == "text:three")
        #expect(describe(inbox.next()) == "nil")
    }

    @Test("a drain task still running (inbox not yet seen empty) means puts start no new task")
    func putDuringDrainStartsNoTask() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        #expect(inbox.put(.text("a")))
        #expect(describe(inbox.next()) == "text:a")
        // The task has taken the last message but not yet asked again: it is still running.
        #expect(!inbox.put(.text("b")))
        #expect(describe(inbox.next()) == "text:b")
    }

    @Test("once next returned nil the task has ended and the next put asks for a new one")
    func putAfterDrainEndedStartsTask() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        #expect(inbox.put(.text("a")))
        #expect(describe(inbox.next()) == "text:a")
        #expect(inbox.next() == nil)
        #expect(inbox.put(.text("b")))
        #expect(!inbox.put(.text("c")))
        #expect(describe(inbox.next()) == "text:b")
        #expect(describe(inbox.next()) == "text:c")
        #expect(inbox.next() == nil)
        #expect(inbox.next() == nil, "asking again on an empty inbox stays empty")
        #expect(inbox.put(.ended))
    }

    @Test("ended put after messages is delivered last, after all of them")
    func endedDeliveredLast() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        for index in 0..<5 { _ = inbox.put(.text("\(index)")) }
        _ = inbox.put(.ended)
        var seen: [String] = []
        while let message = inbox.next() { seen.append(describe(message)) }
        #expect(seen == ["text:0", "text:1", "text:2", "text:3", "text:4", "ended"])
    }

    // MARK: Back-pressure

    @Test("reading pauses when highWater messages wait, not before")
    func pausesAtHighWater() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        for index in 0..<(SessionInbox.highWater - 1) { _ = inbox.put(.text("\(index)")) }
        #expect(autoRead(channel) == nil, "below high water: reads untouched")
        _ = inbox.put(.text("last"))
        #expect(autoRead(channel) == false)
    }

    @Test("reading resumes at once, on the loop, when the drain task worked the inbox down to lowWater")
    func resumesAtLowWater() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        for index in 0..<SessionInbox.highWater { _ = inbox.put(.text("\(index)")) }
        #expect(autoRead(channel) == false)
        // Down to lowWater + 1 waiting: still paused.
        for _ in 0..<(SessionInbox.highWater - SessionInbox.lowWater - 1) { #expect(inbox.next() != nil) }
        channel.embeddedEventLoop.run()
        #expect(autoRead(channel) == false)
        // Taking one more leaves lowWater waiting: resume. On the loop (an EmbeddedChannel's
        // caller is), it takes effect inline, not a tick later.
        #expect(describe(inbox.next()) == "text:\(SessionInbox.highWater - SessionInbox.lowWater - 1)")
        #expect(autoRead(channel) == true)
    }

    @Test("messages past high water are still queued in order while reading is paused")
    func messagesPastHighWaterKept() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        let total = SessionInbox.highWater + 10
        for index in 0..<total { _ = inbox.put(.text("\(index)")) }
        _ = inbox.put(.ended)
        var seen: [String] = []
        while let message = inbox.next() { seen.append(describe(message)) }
        #expect(seen == (0..<total).map { "text:\($0)" } + ["ended"])
        channel.embeddedEventLoop.run()
        #expect(autoRead(channel) == true)
    }

    @Test("a pause is not repeated while already paused; a later refill pauses again after a resume")
    func pauseResumePauseCycle() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        for index in 0..<SessionInbox.highWater { _ = inbox.put(.text("\(index)")) }
        #expect(autoRead(channel) == false)
        // Somebody else turns reading back on: extra puts while paused do not pause again.
        try channel.syncOptions!.setOption(.autoRead, value: true)
        _ = inbox.put(.text("extra"))
        #expect(autoRead(channel) == true)
        // Drain completely (resume), then refill to high water: paused again.
        while inbox.next() != nil {}
        channel.embeddedEventLoop.run()
        #expect(autoRead(channel) == true)
        for index in 0..<SessionInbox.highWater { _ = inbox.put(.text("\(index)")) }
        #expect(autoRead(channel) == false)
    }

    @Test("a resume scheduled before a quick refill must not undo the refill's pause")
    func deferredResumeDoesNotUndoLaterPause() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let inbox = SessionInbox(channel: channel)
        for index in 0..<SessionInbox.highWater { _ = inbox.put(.text("\(index)")) }
        // The drain works the inbox down to lowWater: reading resumes...
        for _ in 0..<(SessionInbox.highWater - SessionInbox.lowWater) { _ = inbox.next() }
        #expect(autoRead(channel) == true)
        // ...then the loop reads a burst that refills the inbox to high water: paused again.
        for index in 0..<(SessionInbox.highWater - SessionInbox.lowWater) { _ = inbox.put(.text("burst\(index)")) }
        #expect(autoRead(channel) == false)
        // Nothing deferred may switch reading back on while highWater messages wait
        // (a resume once ran a loop tick later and undid this pause).
        channel.embeddedEventLoop.run()
        #expect(autoRead(channel) == false)
        for index in 0..<100 { _ = inbox.put(.text("more\(index)")) }
        #expect(autoRead(channel) == false)
    }
}
