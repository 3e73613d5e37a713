import Foundation
import RealtimeClient
import RealtimeTestSupport
import Synchronization
import Testing

/// The client's whole API against one real `realtime edge` process (memory backend).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SingleEdgeTests {
    @Test func everyMethodWorksAgainstOneEdge() async throws {
        try await withLocalCluster(.init(edges: 1)) { cluster in
            let alice = RealtimeClient(url: cluster.url)
            let bob = RealtimeClient(url: cluster.url)
            let aliceLog = EventLog(alice)
            let bobLog = EventLog(bob)
            let chats = Mutex<[ChannelMessage]>([])
            bob.on("chat") { message in chats.withLock { $0.append(message) } }

            try await alice.open()
            try await bob.open()
            let aliceId = try #require(alice.id)
            let bobId = try #require(bob.id)
            #expect(alice.isConnected && aliceId != bobId)
            let connected = try await aliceLog.wait("alice connected") { $0.connectedId }
            #expect(connected.id == aliceId && !connected.reconnected)

            try await alice.updateProfile(["name": "alice"])
            try await bob.join("room")
            try await alice.join("room")
            let joined = try await bobLog.wait("bob sees alice join") { $0.presence(.join, channel: "room", id: aliceId) }
            #expect(joined.member.data?["name"]?.stringValue == "alice")

            let members = try await bob.getMembers("room")
            #expect(Set(members.map(\.id)) == [aliceId, bobId])
            #expect(members.first { $0.id == aliceId }?.data?["name"]?.stringValue == "alice")
            #expect(members.first { $0.id == bobId }?.data == nil)

            try await alice.send("room", "chat", ["text": "hello"])
            _ = try await bobLog.wait("bob gets the chat") { $0.message("chat") }
            #expect(chats.withLock { $0 } == [ChannelMessage(eventName: "chat", channel: "room", message: ["text": "hello"])])

            try await alice.broadcast("news", ["n": 1])
            let news = try await bobLog.wait("bob gets the broadcast") { $0.message("news") }
            #expect(news.channel == nil && news.message == ["n": 1])

            try await alice.updateProfile(["name": "alice 2"])
            let updated = try await bobLog.wait("bob sees the update") { $0.presence(.update, channel: "room", id: aliceId) }
            #expect(updated.member.data?["name"]?.stringValue == "alice 2")

            // off(eventName): the chat handler no longer runs; a later marker proves delivery continued.
            bob.off("chat")
            try await alice.send("room", "chat", ["text": "unheard"])
            try await alice.send("room", "marker", true)
            _ = try await bobLog.wait("the marker") { $0.message("marker") }
            #expect(chats.withLock { $0.count } == 1)

            try await alice.leave("room")
            _ = try await bobLog.wait("bob sees alice leave") { $0.presence(.leave, channel: "room", id: aliceId) }
            #expect(try await bob.getMembers("room").map(\.id) == [bobId])

            // Server errors come back typed, with PROTOCOL.md's codes.
            #expect(await errorCode { try await alice.join("") } == .invalidChannel)
            let big = String(repeating: "x", count: 70 * 1024)
            #expect(await errorCode { try await alice.send("room", "chat", .string(big)) } == .payloadTooLarge)
            #expect(await errorCode { try await alice.send("room", "channel:join", true) } != nil)

            await alice.close()
            #expect(!alice.isConnected)
            #expect(await errorCode { try await alice.join("room") } == .closed)
            _ = try await aliceLog.wait("alice's disconnect") { if case .disconnected = $0 { true } else { nil } }
            await bob.close()
        }
    }

    @Test func echoOffHidesOwnMessages() async throws {
        try await withLocalCluster(.init(edges: 1)) { cluster in
            var options = RealtimeClientOptions()
            options.echoMessages = false
            let quiet = RealtimeClient(url: cluster.url, options: options)
            let log = EventLog(quiet)
            try await quiet.open()
            try await quiet.join("room")
            try await quiet.send("room", "chat", "mine")
            let peer = RealtimeClient(url: cluster.url)
            try await peer.open()
            try await peer.send("room", "chat", "theirs")
            let heard = try await log.wait("the peer's message") { $0.message("chat") }
            #expect(heard.message == "theirs")
            #expect(log.matching { $0.message("chat") }.count == 1)
            await quiet.close()
            await peer.close()
        }
    }

    @Test func refusedHandshakesThrowTheServersCode() async throws {
        var options = LocalCluster.Options(edges: 1)
        options.settings = #"{"enabled": true, "apiKeyRequired": true, "apiKeys": [{"key": "ak-good-key"}]}"#
        try await withLocalCluster(options) { cluster in
            #expect(await errorCode { try await RealtimeClient(url: cluster.url).open() } == .missingAPIKey)
            #expect(
                await errorCode {
                    try await RealtimeClient(url: cluster.url, options: .init(apiKey: "ak-wrong")).open()
                } == .invalidAPIKey)
            let client = RealtimeClient(url: cluster.url, options: .init(apiKey: "ak-good-key"))
            try await client.open()
            #expect(client.isConnected)
            await client.close()
        }
    }

    @Test func closeEndsTheEventStreamsAfterTheFinalDisconnect() async throws {
        try await withLocalCluster(.init(edges: 1)) { cluster in
            let client = RealtimeClient(url: cluster.url)
            let stream = client.events()
            try await client.open()
            try await client.join("room")
            await client.close()
            var seen: [String] = []
            for await event in stream {  // ends only if close() finishes the stream
                switch event {
                case .connected: seen.append("connected")
                case .disconnected: seen.append("disconnected")
                default: break
                }
            }
            #expect(seen == ["connected", "disconnected"])
        }
    }

    @Test func callsBeforeOpenAndBadURLsFailClearly() async throws {
        let client = RealtimeClient(url: "ws://127.0.0.1:1")
        #expect(await errorCode { try await client.join("room") } == .notConnected)
        #expect(await errorCode { try await client.open() } == .connectionFailed)
        #expect(await errorCode { try await RealtimeClient(url: "ftp://example").open() } == .connectionFailed)
    }

    @Test func userEventsReachTheUsersConnectionsAndSignoutEndsTheSession() async throws {
        var options = LocalCluster.Options(edges: 1)
        options.settings = #"{"enabled": true, "signoutEndsSessions": true}"#
        try await withLocalCluster(options) { cluster in
            let token = try await SessionTokens.sign(sub: "user-7", secret: LocalCluster.jwtSecret)
            let client = RealtimeClient(url: cluster.url, options: .init(session: token))
            let log = EventLog(client)
            let userEvents = Mutex<[UserEvent]>([])
            client.onUserEvent { event in userEvents.withLock { $0.append(event) } }
            try await client.open()

            let api = "\(cluster.edges[0].httpBase)/api/v1/users/user-7/events"
            let update = try await LocalCluster.http(
                api, method: "POST", body: #"{"eventName": "user:update", "user": {"name": "Ada"}}"#, bearer: LocalCluster.masterKey)
            #expect(update.status == 202)
            let event = try await log.wait("user:update") {
                if case .userEvent(let e) = $0, e.eventName == "user:update" { e } else { nil }
            }
            #expect(event.user?["name"]?.stringValue == "Ada")
            // The callback API sees the same event (the log's stream may run first).
            #expect(await eventually { userEvents.withLock { $0.first?.user?["name"]?.stringValue } == "Ada" })

            // A signout ends the session from the server: the client must not reconnect.
            let signout = try await LocalCluster.http(
                api, method: "POST", body: #"{"eventName": "user:signout"}"#, bearer: LocalCluster.masterKey)
            #expect(signout.status == 202)
            _ = try await log.wait("the server's disconnect") { if case .disconnected = $0 { true } else { nil } }
            // The event itself is written before the connection is closed.
            #expect(log.matching { if case .userEvent(let e) = $0, e.eventName == "user:signout" { true } else { nil } }.count == 1)
            try await Task.sleep(for: .seconds(1.5))
            #expect(!client.isConnected)
            #expect(log.matching { if case .reconnectAttempt = $0 { true } else { nil } }.isEmpty)
            #expect(await errorCode { try await client.join("room") } == .notConnected)
        }
    }
}
