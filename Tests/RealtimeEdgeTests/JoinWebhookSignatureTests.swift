import Testing

@testable import RealtimeEdge

@Suite("Join webhook request")
struct JoinWebhookSignatureTests {
    @Test("the signature is sha256= and the hex HMAC-SHA256 of the body (RFC 4231 test case 2)")
    func knownVector() {
        let signature = JoinWebhook.signature(of: Array("what do ya want for nothing?".utf8), secret: "Jefe")
        #expect(signature == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("the body carries action, channel, userId (null without a session) and connectionId")
    func body() throws {
        let body = String(
            decoding: JoinWebhook.body(action: "join", channel: "private:1", userId: nil, connectionId: "sid1"), as: UTF8.self)
        for part in [#""action":"join""#, #""channel":"private:1""#, #""userId":null"#, #""connectionId":"sid1""#] {
            #expect(body.contains(part), "\(body)")
        }
    }
}
