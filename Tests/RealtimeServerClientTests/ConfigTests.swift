import Foundation
import RealtimeServerClient
import RealtimeTestSupport
import Testing

@Suite("getConfig and setConfig")
struct ConfigTests {
    @Test("the defaults, then a full round trip of every field")
    func roundTrip() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let defaults = try await sdk.getConfig()
            #expect(defaults == RealtimeSettingsDocument())

            let expiry = Date(timeIntervalSince1970: 1_900_000_000)
            let wanted = RealtimeSettingsDocument(
                enabled: true, apiKeyRequired: true, sessionRequired: false,
                apiKeys: [.init(key: "k1", name: "web", expiresAt: expiry), .init(key: "k2")],
                rateLimits: [.init(name: "burst", rate: 10, duration: 1, errorMessage: "slow down")],
                signoutEndsSessions: true)
            let inForce = try await sdk.setConfig(wanted)
            // The server assigns versions: the seed is 0, this change 1.
            #expect(inForce == wanted.withVersion(1))
            #expect(try await sdk.getConfig() == wanted.withVersion(1))
        }
    }

    @Test("a setting change applies to new handshakes on the edge")
    func applied() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            var settings = try await sdk.getConfig()
            settings.enabled = false
            try await sdk.setConfig(settings)
            let refused = await #expect(throws: TestTimeout.self) { try await SocketIOProbe.connect(to: edge) }
            #expect(refused?.description.contains("realtime_not_allowed") == true)
        }
    }

    @Test("an invalid field is refused with invalidRequest naming it, and nothing changes")
    func validation() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let before = try await sdk.getConfig()
            var invalid = before
            invalid.rateLimits = [.init(name: "r", rate: 0, duration: 10, errorMessage: "m")]
            let rate = await expectInvalidRequest { try await sdk.setConfig(invalid) }
            #expect(rate?.code == "invalid_payload")
            #expect(rate?.message.contains("rateLimits[0].rate") == true)

            invalid.rateLimits = [.init(name: "r", rate: 1, duration: 0, errorMessage: "m")]
            let duration = await expectInvalidRequest { try await sdk.setConfig(invalid) }
            #expect(duration?.message.contains("rateLimits[0].duration") == true)

            invalid.rateLimits = []
            invalid.apiKeys = [.init(key: "same"), .init(key: "same")]
            let duplicate = await expectInvalidRequest { try await sdk.setConfig(invalid) }
            #expect(duplicate?.message.contains("apiKeys[1].key") == true)
            #expect(try await sdk.getConfig() == before)
        }
    }
}
