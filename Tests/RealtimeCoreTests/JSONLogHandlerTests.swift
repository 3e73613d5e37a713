import Logging
import SocketIOProtocol
import Testing

@testable import RealtimeCore

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("one object: time, level, node, label, message, fields, in that order; text escaped")
    func line() throws {
        let bytes = JSONLogHandler.line(
            microseconds: 1_764_847_353_123_999, level: .warning, node: "edge-1", label: "realtime.edge",
            message: "said \"hi\"\nthen left", fields: ["user": "u1", "nested": ["a": "1"], "list": ["x", "y"]])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("\n"), "one line per entry: newlines in messages are escaped")
        #expect(text.hasPrefix(#"{"time":"2025-12-04T11:22:33.123Z","level":"warning","node":"edge-1","label":"realtime.edge","#))
        let parsed = try JSONValue.parse(bytes)
        #expect(parsed["message"]?.stringValue == "said \"hi\"\nthen left")
        #expect(parsed["fields"]?["user"]?.stringValue == "u1")
        #expect(parsed["fields"]?["nested"]?["a"]?.stringValue == "1")
        #expect(parsed["fields"]?["list"] == .array([.string("x"), .string("y")]))
    }

    @Test("a process without a node id writes null, not an empty string")
    func noNode() throws {
        let parsed = try JSONValue.parse(
            JSONLogHandler.line(microseconds: 0, level: .info, node: nil, label: "l", message: "m", fields: [:]))
        #expect(parsed["node"] == .null)
        #expect(parsed["time"]?.stringValue == "1970-01-01T00:00:00.000Z")
        #expect(parsed["fields"] == .object([:]))
    }
}
