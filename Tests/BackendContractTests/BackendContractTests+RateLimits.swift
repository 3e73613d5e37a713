import NIOCore
import RealtimeCore
import Testing

extension BackendContractTests {
    @Test("a limit of N per window allows N publishes, then returns the limit and delivers nothing", arguments: BackendKind.allCases)
    func publishLimit(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let limit = F.limit("messages", rate: 3)
            let check = RateLimitCheck(limits: [limit], subject: "u:1")
            try await edge.bus.acquire(.channel("room"))
            for i in 0..<3 {
                #expect(try await edge.bus.publish(.channel("room"), frame: F.frame("m\(i)"), excluding: nil, limitedBy: check) == nil)
            }
            #expect(try await edge.bus.publish(.channel("room"), frame: F.frame("over"), excluding: nil, limitedBy: check) == limit)
            #expect(try await edge.bus.publish(.channel("room"), frame: F.frame("still-over"), excluding: nil, limitedBy: check) == limit)
            // Another subject has its own budget; publishes without a check are never limited.
            #expect(
                try await edge.bus.publish(
                    .channel("room"), frame: F.frame("other"), excluding: nil, limitedBy: RateLimitCheck(limits: [limit], subject: "u:2"))
                    == nil)
            try await edge.bus.publish(.channel("room"), frame: F.frame("server"), excluding: nil)
            // No limits at all: nothing to count.
            #expect(
                try await edge.bus.publish(
                    .channel("room"), frame: F.frame("unlimited"), excluding: nil, limitedBy: RateLimitCheck(limits: [], subject: "u:1"))
                    == nil)
            try await edge.settle()
            #expect(edge.events.deliverySummaries.map(\.frame) == ["m0", "m1", "m2", "other", "server", "unlimited"])
            #expect(edge.bus.rateLimitFallbackCount == 0)
        }
    }

    @Test("limits are checked in order; a rejected event is counted against none of them", arguments: BackendKind.allCases)
    func rejectedConsumesNothing(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let wide = F.limit("wide", rate: 3)
            let narrow = F.limit("narrow", rate: 1)
            let both = RateLimitCheck(limits: [wide, narrow], subject: "u:1")
            let wideOnly = RateLimitCheck(limits: [wide], subject: "u:1")
            #expect(try await edge.bus.consumeRateLimits(both) == nil)  // wide 1, narrow 1
            #expect(try await edge.bus.consumeRateLimits(both) == narrow)  // rejected: wide stays at 1
            #expect(try await edge.bus.consumeRateLimits(both) == narrow)
            #expect(try await edge.bus.consumeRateLimits(wideOnly) == nil)  // wide 2
            #expect(try await edge.bus.consumeRateLimits(wideOnly) == nil)  // wide 3
            // Both exceeded now: the first in order is reported.
            #expect(try await edge.bus.consumeRateLimits(both) == wide)
            #expect(try await edge.bus.consumeRateLimits(wideOnly) == wide)
        }
    }

    @Test("publishes and presence calls draw on the same counters", arguments: BackendKind.allCases)
    func sharedBudget(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let limit = F.limit("events", rate: 3)
            let check = RateLimitCheck(limits: [limit], subject: "u:1")
            #expect(try await edge.bus.consumeRateLimits(check) == nil)
            #expect(try await edge.bus.publish(.broadcast, frame: F.frame("m"), excluding: nil, limitedBy: check) == nil)
            #expect(
                try await edge.presence.join(
                    channel: "room", member: F.member("a"), announce: F.frame("j"), excluding: nil, limitedBy: check))
            #expect(try await edge.bus.publish(.broadcast, frame: F.frame("m"), excluding: nil, limitedBy: check) == limit)
            #expect(try await edge.bus.consumeRateLimits(check) == limit)
        }
    }

    @Test("presence calls over the limit throw RateLimitExceeded and change nothing", arguments: BackendKind.allCases)
    func presenceLimit(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let limit = F.limit("presence", rate: 1)
            let check = RateLimitCheck(limits: [limit], subject: "u:1")
            try await edge.bus.acquire(.channel("room"))
            #expect(
                try await edge.presence.join(
                    channel: "room", member: F.member("a"), announce: F.frame("join-a"), excluding: nil, limitedBy: check))
            try await edge.settle()
            edge.events.reset()

            let join = await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.join(
                    channel: "room", member: F.member("b"), announce: F.frame("join-b"), excluding: nil, limitedBy: check)
            }
            #expect(join?.limit == limit)
            let leave = await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.leave(memberId: "a", node: "node-a", from: [F.announcement("room", "leave-a")], limitedBy: check)
            }
            #expect(leave?.limit == limit)
            let update = await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.update(
                    member: F.member("a", data: 9), in: [F.announcement("room", "update-a")], excluding: nil, limitedBy: check)
            }
            #expect(update?.limit == limit)
            let members = await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.members(of: "room", limitedBy: check)
            }
            #expect(members?.limit == limit)
            // Calls with no channel to touch are counted (and refused) all the same.
            await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.leave(memberId: "a", node: "node-a", from: [], limitedBy: check)
            }
            await #expect(throws: RateLimitExceeded.self) {
                try await edge.presence.update(member: F.member("a", data: 9), in: [], excluding: nil, limitedBy: check)
            }

            try await edge.settle()
            #expect(edge.events.all.isEmpty, "a refused call announces nothing")
            #expect(try await edge.presence.members(of: "room") == [F.member("a")])
            #expect(try await edge.presence.activeChannels() == [ChannelSummary(channel: "room", members: 1)])
            // Another subject is not limited.
            let other = RateLimitCheck(limits: [limit], subject: "u:2")
            #expect(try await edge.presence.members(of: "room", limitedBy: other) == [F.member("a")])
        }
    }
}
