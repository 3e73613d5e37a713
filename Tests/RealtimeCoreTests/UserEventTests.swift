import NIOCore
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("User events")
struct UserEventTests {
    @Test("both signin and user:signin are accepted as user:signin")
    func prefixOptional() throws {
        #expect(try UserEvent(body: ["eventName": "signin"]).eventName == "user:signin")
        #expect(try UserEvent(body: ["eventName": "user:signin"]).eventName == "user:signin")
    }

    @Test(
        "every documented kind is accepted",
        arguments: ["signin", "signout", "pwdchange", "emailchange", "phonechange", "update", "delete"])
    func everyKind(kind: String) throws {
        #expect(try UserEvent(body: ["eventName": .string(kind)]).eventName == "user:" + kind)
        #expect(try UserEvent(body: ["eventName": .string("user:" + kind)]).eventName == "user:" + kind)
    }

    @Test(
        "other names are refused with invalid_payload",
        arguments: [
            "", "user:", "login", "user:login", "SIGNIN", "user:user:signin", "channel:join", "signin ", "user:signinx",
        ])
    func refused(name: String) {
        #expect(throws: RealtimeError.self) { _ = try UserEvent(body: ["eventName": .string(name)]) }
        do {
            _ = try UserEvent(body: ["eventName": .string(name)])
        } catch {
            #expect(error.code == .invalidPayload)
        }
    }

    @Test(
        "a body without a string eventName is refused",
        arguments: [
            JSONValue.null, [:], ["eventName": 1], ["eventName": .null], "signin", ["signin"],
        ])
    func badBody(body: JSONValue) {
        #expect(throws: RealtimeError.self) { _ = try UserEvent(body: body) }
    }

    @Test("token fields are stripped from the session at any depth")
    func stripsTokens() throws {
        let body: JSONValue = [
            "eventName": "signin",
            "session": [
                "id": "s1",
                "token": "secret",
                "accessToken": "a",
                "refresh_token": "r",
                "TOKEN": "upper",
                "device": ["name": "phone", "pushToken": "p", "nested": [["idToken": "x", "keep": 1]]],
            ],
            "user": ["id": "u1", "email": "a@b.c"],
        ]
        let event = try UserEvent(body: body)
        let expected: JSONValue = [
            "id": "s1",
            "device": ["name": "phone", "nested": [["keep": 1]]],
        ]
        #expect(event.session == expected)
        #expect(!event.session.jsonString.lowercased().contains("token"))
        #expect(event.user == ["id": "u1", "email": "a@b.c"])
    }

    @Test("absent session and user become null")
    func absentParts() throws {
        let event = try UserEvent(body: ["eventName": "user:delete"])
        #expect(event.session == .null)
        #expect(event.user == .null)
    }

    @Test("the frame is (eventName, session, user) as a Socket.IO event")
    func frameBytes() throws {
        let event = try UserEvent(body: ["eventName": "signout", "session": ["id": "s", "token": "t"], "user": ["id": "u"]])
        #expect(String(buffer: event.frame) == #"42["user:signout","user:signout",{"id":"s"},{"id":"u"}]"#)
    }
}
