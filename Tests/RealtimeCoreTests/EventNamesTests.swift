import RealtimeCore
import Testing

@Suite("Client event names")
struct EventNamesTests {
    @Test("ordinary names are accepted", arguments: ["chat", "message", "typing", "a:b", String(repeating: "x", count: 256)])
    func accepted(name: String) throws {
        try EventNames.validateClientEventName(name)
    }

    @Test(
        "reserved, empty and oversized names are refused",
        arguments: [
            "", String(repeating: "x", count: 257), "connect", "connect_error", "disconnect", "disconnecting",
            "error", "newListener", "removeListener", "channel:join", "channel:anything", "user:signin", "realtime:error",
        ])
    func refused(name: String) {
        do {
            try EventNames.validateClientEventName(name)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.code == .invalidPayload)
        }
    }
}
