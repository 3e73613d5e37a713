import NIOCore
import RedisClient
import RedisTestSupport
import Testing

/// A subscriber wired to recorders, plus a plain connection for PUBLISH.
private struct SubscriberFixture {
    let subscriber: RedisSubscriber
    let messages = Recorder<RedisPubSubMessage>()
    let states = Recorder<RedisSubscriberState>()

    init(_ server: RedisServer, probeInterval: Duration = .seconds(1)) {
        let messages = self.messages
        let states = self.states
        self.subscriber = RedisSubscriber(
            configuration: server.configuration,
            eventLoopGroup: TestSupport.group,
            logger: TestSupport.logger,
            probeInterval: probeInterval,
            onMessage: { messages.append($0) },
            onStateChange: { states.append($0) }
        )
    }

    func received(topic: String, payload: String, timeout: Duration = .seconds(3)) async -> Bool {
        await TestSupport.eventually(timeout: timeout) {
            self.messages.all.contains { $0.topic == topic && String(buffer: $0.payload) == payload }
        }
    }
}

// Serialized: the reconnect tests measure time, and must not compete with
// each other for the two cores.
@Suite("Subscriber", .serialized, .timeLimit(.minutes(1)))
struct SubscriberTests {
    @Test func deliversMessagesForChannelsAndPatterns() async throws {
        try await withRedisServer { server in
            let fixture = SubscriberFixture(server)
            let publisher = try await TestSupport.connect(server.configuration)
            fixture.subscriber.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            #expect(fixture.subscriber.state == .connected)

            try await fixture.subscriber.subscribe(["room:1", "room:2"])
            try await fixture.subscriber.psubscribe(["news.*"])

            let binary: [UInt8] = [0, 13, 10, 255, 7]
            #expect(try await publisher.send(RedisCommand("PUBLISH", "room:1", "hello")) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "room:2", .bytes(binary))) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "news.sport", "goal")) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "elsewhere", "nobody")) == .integer(0))

            #expect(await TestSupport.eventually { fixture.messages.all.count == 3 })
            let messages = fixture.messages.all
            #expect(messages.count == 3)
            guard messages.count == 3 else { return }
            // Delivered in publish order.
            #expect(messages[0] == RedisPubSubMessage(topic: "room:1", payload: ByteBuffer(string: "hello")))
            #expect(messages[1] == RedisPubSubMessage(topic: "room:2", payload: ByteBuffer(bytes: binary)))
            #expect(messages[2] == RedisPubSubMessage(topic: "news.sport", pattern: "news.*", payload: ByteBuffer(string: "goal")))

            await fixture.subscriber.stop()
            #expect(fixture.subscriber.state == .disconnected)
            #expect(fixture.states.all == [.connecting, .connected, .disconnected])
            await publisher.close()
        }
    }

    @Test func unsubscribeAndPunsubscribeStopDelivery() async throws {
        try await withRedisServer { server in
            let fixture = SubscriberFixture(server)
            let publisher = try await TestSupport.connect(server.configuration)
            fixture.subscriber.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            try await fixture.subscriber.subscribe(["a", "b"])
            try await fixture.subscriber.psubscribe(["p.*"])

            try await fixture.subscriber.unsubscribe(["a"])
            #expect(try await publisher.send(RedisCommand("PUBLISH", "a", "x")) == .integer(0))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "b", "still")) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBSUB", "NUMPAT")) == .integer(1))

            try await fixture.subscriber.punsubscribe(["p.*"])
            #expect(try await publisher.send(RedisCommand("PUBLISH", "p.q", "x")) == .integer(0))
            #expect(try await publisher.send(RedisCommand("PUBSUB", "NUMPAT")) == .integer(0))

            // Unsubscribing something never subscribed is harmless.
            try await fixture.subscriber.unsubscribe(["never"])
            #expect(await fixture.received(topic: "b", payload: "still"))
            #expect(fixture.messages.all.count == 1)

            await fixture.subscriber.stop()
            await publisher.close()
        }
    }

    @Test func resubscribesAfterServerRestart() async throws {
        try await withRedisServer { server in
            let fixture = SubscriberFixture(server, probeInterval: .milliseconds(300))
            fixture.subscriber.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            try await fixture.subscriber.subscribe(["orders"])
            try await fixture.subscriber.psubscribe(["audit.*"])

            server.stop()
            #expect(await TestSupport.eventually(timeout: .seconds(3)) { fixture.subscriber.state == .disconnected })

            // While down: refused, but remembered for the reconnect.
            await #expect(throws: RedisError.notConnected) {
                try await fixture.subscriber.subscribe(["late"])
            }
            await #expect(throws: RedisError.timeout) {
                try await fixture.subscriber.waitUntilConnected(timeout: .milliseconds(200))
            }

            try server.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            #expect(fixture.states.all == [.connecting, .connected, .disconnected, .connected])

            let publisher = try await TestSupport.connect(server.configuration)
            #expect(try await publisher.send(RedisCommand("PUBLISH", "orders", "after-restart")) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "late", "late-one")) == .integer(1))
            #expect(try await publisher.send(RedisCommand("PUBLISH", "audit.log", "pattern")) == .integer(1))
            #expect(await fixture.received(topic: "orders", payload: "after-restart"))
            #expect(await fixture.received(topic: "late", payload: "late-one"))
            #expect(await fixture.received(topic: "audit.log", payload: "pattern"))

            await fixture.subscriber.stop()
            await publisher.close()
        }
    }

    @Test func recoversFromAKilledConnection() async throws {
        try await withRedisServer { server in
            let probeInterval = Duration.milliseconds(300)
            let fixture = SubscriberFixture(server, probeInterval: probeInterval)
            let admin = try await TestSupport.connect(server.configuration)
            fixture.subscriber.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            try await fixture.subscriber.subscribe(["alerts"])

            let killed = try await admin.send(RedisCommand("CLIENT", "KILL", "TYPE", "pubsub"))
            #expect(killed == .integer(1))
            let started = ContinuousClock.now
            #expect(await TestSupport.eventually(timeout: .seconds(3)) { fixture.states.all.contains(.disconnected) })
            try await fixture.subscriber.waitUntilConnected(timeout: probeInterval * 2 + .milliseconds(400))
            #expect(ContinuousClock.now - started < probeInterval * 3)

            #expect(try await admin.send(RedisCommand("PUBLISH", "alerts", "back")) == .integer(1))
            #expect(await fixture.received(topic: "alerts", payload: "back"))
            await fixture.subscriber.stop()
            await admin.close()
        }
    }

    @Test func probeDetectsAStalledConnection() async throws {
        try await withRedisServer { server in
            let probeInterval = Duration.milliseconds(300)
            let fixture = SubscriberFixture(server, probeInterval: probeInterval)
            let admin = try await TestSupport.connect(server.configuration)
            fixture.subscriber.start()
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(5))
            try await fixture.subscriber.subscribe(["ticks"])

            // The socket stays open but Redis stops answering: only the probe
            // can notice. It must do so well before the pause ends.
            let paused = ContinuousClock.now
            #expect(try await admin.send(RedisCommand("CLIENT", "PAUSE", 3_000, "ALL")) == .simpleString("OK"))
            let detected = await TestSupport.eventually(timeout: .seconds(2), poll: .milliseconds(10)) {
                fixture.subscriber.state == .disconnected
            }
            #expect(detected)
            #expect(ContinuousClock.now - paused < probeInterval * 2 + .milliseconds(500))

            // Once the pause is over, the subscriber is back and subscribed.
            try await fixture.subscriber.waitUntilConnected(timeout: .seconds(8))
            #expect(ContinuousClock.now - paused >= .milliseconds(2_900))
            #expect(fixture.states.all.suffix(2) == [.disconnected, .connected])
            // Connections the subscriber opened and gave up on during the pause may still
            // count as subscribers: Redis runs their queued SUBSCRIBE when the pause ends
            // and only then sees them closed. So: at least one receiver, the message
            // arrives exactly once, and Redis soon counts only the live connection.
            let receivers = try await admin.send(RedisCommand("PUBLISH", "ticks", "resumed")).int ?? 0
            #expect(receivers >= 1)
            #expect(await fixture.received(topic: "ticks", payload: "resumed"))
            try await Task.sleep(for: .milliseconds(200))
            #expect(fixture.messages.all.filter { String(buffer: $0.payload) == "resumed" }.count == 1)
            let oneSubscriber = await TestSupport.eventually(timeout: .seconds(3)) {
                let numsub = try? await admin.send(RedisCommand("PUBSUB", "NUMSUB", "ticks"))
                return numsub?.array?.last?.int == 1
            }
            #expect(oneSubscriber, "Redis still counts more than one subscriber of ticks")
            await fixture.subscriber.stop()
            await admin.close()
        }
    }
}
