import Foundation
import NIOCore
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Recovery: offsets, frames, retention, settings")
struct RecoveryLogicTests {
    @Test("offsets parse only as <ms>-<seq> and order by both parts")
    func offsets() {
        #expect(LogOffset("1700000000000-0") == LogOffset(milliseconds: 1_700_000_000_000, sequence: 0))
        for bad in ["", "1", "1-", "-1", "a-1", "1-2-3", "1-2 ", String(repeating: "9", count: 21) + "-0"] {
            #expect(LogOffset(bad) == nil, "\(bad)")
        }
        #expect(LogOffset("5-9")! < LogOffset("6-0")!)
        #expect(LogOffset("6-1")! > LogOffset("6-0")!)
        #expect(LogOffset("12-3")!.description == "12-3")
    }

    @Test("an offset is appended as the last argument and read back from a whole WebSocket frame")
    func offsetFrames() {
        let frame = EventFrames.message(eventName: "e", channel: "c", message: .string("x"))
        let stamped = OffsetFrames.appending(LogOffset("17-4")!, to: frame)
        #expect(String(buffer: stamped) == #"42["e",{"channel":"c","message":"x"},"17-4"]"#)
        var wire = ByteBuffer(bytes: [0x81, UInt8(stamped.readableBytes)])
        wire.writeImmutableBuffer(stamped)
        #expect(OffsetFrames.offset(in: wire) == LogOffset("17-4"))
        #expect(OffsetFrames.offset(in: frame) == nil)
        #expect(OffsetFrames.offset(in: ByteBuffer(string: #"42["user:update",{},"not-an-offset"]"#)) == nil)
        #expect(OffsetFrames.offset(in: ByteBuffer(string: #"42["e","12-3"]"#)) == LogOffset("12-3"))
    }

    @Test("retention: nothing when recovery is off and no history; broadcasts only for recovery; user events never")
    func retention() {
        let on = RecoverySettings(enabled: true, maxDisconnectionSeconds: 60)
        let rule = ChannelRule(match: "h:*", history: HistoryPolicy(size: 5, ttlSeconds: 10))
        #expect(Retention.of(.channel("c"), recovery: .off, rule: nil) == nil)
        #expect(Retention.of(.broadcast, recovery: .off, rule: nil) == nil)
        #expect(Retention.of(.user("u"), recovery: on, rule: rule) == nil)
        #expect(Retention.of(.broadcast, recovery: on, rule: nil) == Retention(recoverySeconds: 60))
        #expect(Retention.of(.channel("h:1"), recovery: .off, rule: rule) == Retention(history: rule.history))
        #expect(Retention.of(.channel("h:1"), recovery: on, rule: rule) == Retention(recoverySeconds: 60, history: rule.history))
    }

    @Test("the recovery setting: defaults off, 120 s; unknown keys and bad windows are refused")
    func settings() throws {
        #expect(
            try SettingsCoding.decodeValidated(Data("{}".utf8)).recovery == RecoverySettings(enabled: false, maxDisconnectionSeconds: 120))
        let on = try SettingsCoding.decodeValidated(Data(#"{"recovery":{"enabled":true,"maxDisconnectionSeconds":5}}"#.utf8))
        #expect(on.recovery == RecoverySettings(enabled: true, maxDisconnectionSeconds: 5))
        for (body, field) in [
            (#"{"recovery":{"enabled":true,"maxDisconnectSeconds":5}}"#, "recovery.maxDisconnectSeconds"),
            (#"{"recovery":{"maxDisconnectionSeconds":0}}"#, "recovery.maxDisconnectionSeconds"),
            (#"{"recovery":{"maxDisconnectionSeconds":86401}}"#, "recovery.maxDisconnectionSeconds"),
        ] {
            #expect(throws: SettingsValidationError.self, "\(body)") { try SettingsCoding.decodeValidated(Data(body.utf8)) }
            do {
                _ = try SettingsCoding.decodeValidated(Data(body.utf8))
            } catch {
                #expect(error.field == field)
            }
        }
        let roundTrip = try SettingsCoding.decode(SettingsCoding.encode(on))
        #expect(roundTrip.recovery == on.recovery)
    }

    @Test("history queries: limit 1 to 1000 (100 by default), since an offset")
    func historyQuery() throws {
        #expect(try HistoryQuery(limit: nil, since: nil) == HistoryQuery(limit: 100))
        #expect(try HistoryQuery(limit: .number(5), since: .string("3-1")) == HistoryQuery(limit: 5, since: LogOffset("3-1")))
        #expect(try HistoryQuery(limitText: "7", sinceText: nil).limit == 7)
        for (limit, since) in [("0", nil), ("1001", nil), ("x", nil), (nil, "yesterday")] as [(String?, String?)] {
            #expect(throws: RealtimeError.self) { try HistoryQuery(limitText: limit, sinceText: since) }
        }
    }
}
