/// What MessageLoad needs of a publisher, over a Socket.IO connection or HTTP.
protocol LoadPublisher: Sendable {
    var index: Int { get }
    func start(at start: UInt64, stop: UInt64)
    func snapshot() async throws -> PublisherSnapshot
    func outstanding() async throws -> Int
    func close() async
}

extension Publisher: LoadPublisher {
    func close() async { await socket.closeAndWait() }
}
