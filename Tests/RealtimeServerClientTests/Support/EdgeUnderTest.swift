import EdgeTestSupport
import RealtimeCore
import RealtimeEdge

/// The in-process edge the server SDK is driven against, with a master key.
typealias EdgeUnderTest = InProcessEdge

extension InProcessEdge {
    static let masterKey = "sdk-tests-master-key"
    static let jwtSecret = "sdk-tests-jwt-secret-0123456789abcdef"

    static func start() async throws -> InProcessEdge {
        try await start(
            EdgeConfiguration(nodeId: "sdk-test-" + RandomID.make(length: 6), masterKey: masterKey, jwtSecret: jwtSecret),
            logLabel: "RealtimeServerClientTests")
    }
}

/// Runs `body` against a fresh edge, stopping it afterwards whatever happens.
func withEdge(_ body: (EdgeUnderTest) async throws -> Void) async throws {
    let edge = try await EdgeUnderTest.start()
    do {
        try await body(edge)
    } catch {
        await edge.stop()
        throw error
    }
    await edge.stop()
}
