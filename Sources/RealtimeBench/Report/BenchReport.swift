import Foundation

/// What one scenario run measured. Fields a scenario does not measure stay nil
/// and are left out of the JSON and the table.
public struct BenchReport: Codable, Sendable {
    public var scenario: BenchScenario
    public var label: String?
    public var urls: [String]
    public var parameters: [String: String] = [:]
    /// Seconds of load (publishing, churn, holding connections), warm-up included.
    public var durationSeconds: Double = 0
    public var connections: Int?
    /// Connections that could not be set up (connect or join failed twice).
    public var setupErrors: Int?

    // message scenarios
    public var published: Int?
    public var publishErrors: Int?
    public var unacked: Int?
    public var publishedPerSecond: Double?
    public var expected: Int?
    public var delivered: Int?
    public var lost: Int?
    public var duplicates: Int?
    public var deliveredPerSecond: Double?
    /// Publish → deliver, messages sent after the warm-up.
    public var latency: LatencySummary?

    // broadcast
    public var rounds: Int?
    /// Per round: broadcast sent → its last recipient received it.
    public var timeToLast: LatencySummary?

    // presence
    public var operations: Int?
    public var operationErrors: Int?
    public var operationLatency: [String: LatencySummary]?
    /// Operation acked → `members` on every edge reflects it.
    public var consistency: LatencySummary?
    public var staleReads: Int?
    public var unconverged: Int?
    public var finalMismatches: Int?

    // connections
    public var connectErrors: Int?
    public var connectPerSecond: Double?
    public var handshake: LatencySummary?
    public var droppedWhileIdle: Int?
    public var edgeMemory: [EdgeMemory]?
    public var edgeRSSPerConnectionKiB: Double?
    public var benchRSSPerConnectionKiB: Double?

    public var notes: [String] = []

    public init(scenario: BenchScenario, label: String?, urls: [String]) {
        self.scenario = scenario
        self.label = label
        self.urls = urls
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// An edge process's resident memory before and after the connections were opened.
public struct EdgeMemory: Codable, Sendable {
    public var pid: Int32
    public var rssBeforeKiB: Int
    public var rssAfterKiB: Int
}
