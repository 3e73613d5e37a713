import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("publish(_:) sends a batch in order")
struct PublishBatchTests {
    @Test("a batch of channel messages and broadcasts arrives in order; the count comes back")
    func batchInOrder() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let member = try await SocketIOProbe.connect(to: edge)
            defer { member.close() }
            try await member.join("batch")
            let batch = (0..<50).map { i in
                PublishMessage(channel: i % 5 == 4 ? nil : "batch", eventName: "n", message: .number(Double(i)))
            }
            #expect(try await sdk.publish(batch) == 50)
            for i in 0..<50 {
                let args = try await member.next("n")
                #expect(args.first?["message"] == .number(Double(i)))
            }
        }
    }

    @Test("a batch over 1000 messages is refused, naming the limit")
    func overTheCap() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let batch = Array(repeating: PublishMessage(eventName: "x", message: 1), count: RealtimeServerClient.maxBatchMessages + 1)
            do {
                try await sdk.publish(batch)
                Issue.record("a batch of 1001 was accepted")
            } catch RealtimeServerError.invalidRequest(_, let message) {
                #expect(message.contains("1000"))
            }
        }
    }
}
