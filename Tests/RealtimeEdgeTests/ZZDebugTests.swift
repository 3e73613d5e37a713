@testable import RealtimeEdge
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite struct ZZDebug {
    @Test func slowDebug() async throws {
        let limits = ConnectionLimits(maxQueuedFrames: 8, maxQueuedBytes: 256 * 1024)
        try await withEdge({ $0.limits = limits }) { edge in
            let slow = try await edge.client()
            let sender = try await edge.client(auth: ["echoMessages": false])
            _ = try await slow.join("flood")
            slow.pauseReading(true)
            let body = JSONValue.string(String(repeating: "x", count: 60_000))
            for round in 0..<10 {
                for _ in 0..<20 {
                    sender.emit("message", ["channel": "flood", "eventName": "bulk", "message": body])
                }
                _ = try await sender.call("members", ["channel": "flood"])
                let reasons = edge.node.hub.allConnections.map { "\($0.id == slow.socketId ? "slow" : "other"):\(String(describing: $0.queue.closeReason))" }
                print("DBG round \(round) \(reasons) slowStat=\(edge.node.stats.slowClientDisconnects.load(ordering: .relaxed)) conns=\(edge.node.connectionCount)")
            }
            try await Task.sleep(for: .seconds(2))
            print("DBG after 2s slowStat=\(edge.node.stats.slowClientDisconnects.load(ordering: .relaxed)) conns=\(edge.node.connectionCount) members=\(try await sender.memberIds("flood").count)")
            slow.pauseReading(false)
            try await Task.sleep(for: .seconds(2))
            print("DBG after resume slowStat=\(edge.node.stats.slowClientDisconnects.load(ordering: .relaxed)) conns=\(edge.node.connectionCount) closed=\(slow.isClosed)")
        }
    }
}
