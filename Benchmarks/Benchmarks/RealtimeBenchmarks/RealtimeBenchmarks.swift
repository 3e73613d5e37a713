import Benchmark
import NIOCore
import NIOEmbedded
import NIOWebSocket
import RealtimeCore
import SocketIOProtocol

/// Hot paths of the edge, measured in isolation: the codec a client event goes
/// through, the frame built once per message, the per-recipient write floor of a
/// fan-out, and the work of a presence update.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1_000_000)

    let inbound = Array(
        #"42["message",{"channel":"room-1","eventName":"chat","message":{"text":"hello there","n":42,"tags":["a","b"]}}]"#.utf8)
    let message: JSONValue = ["text": "hello there", "n": 42, "tags": ["a", "b"]]

    Benchmark("decode client message event") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try EngineIOCodec.decode(inbound))
        }
    }

    Benchmark("encode event packet") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EngineIOCodec.encodeMessage(.event("chat", [["channel": "room-1", "message": message]])))
        }
    }

    Benchmark("build outgoing message frame (once per message)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(EventFrames.message(eventName: "chat", channel: "room-1", serializedMessage: message.serialized))
        }
    }

    // The floor of a fan-out on the NIO channel path: one pre-built frame body
    // written to 10,000 channels (WebSocket header added per channel), one flush each.
    Benchmark(
        "fanout one message to 10k local connections (NIO write floor)",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal], maxDuration: .seconds(5), maxIterations: 200)
    ) { benchmark in
        let loop = EmbeddedEventLoop()
        var channels: [EmbeddedChannel] = []
        for _ in 0..<10_000 {
            let channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
            channels.append(channel)
        }
        let frame = EventFrames.message(eventName: "chat", channel: "room-1", serializedMessage: message.serialized)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for channel in channels {
                channel.write(WebSocketFrame(fin: true, opcode: .text, data: frame), promise: nil)
                channel.flush()
            }
        }
        benchmark.stopMeasurement()
        for channel in channels { _ = try? channel.finish() }
    }

    Benchmark("presence update: records, announcements, memory backend") { benchmark in
        let backend = Backend.memory()
        try await backend.bus.start(onEvent: { _ in })
        let presence = backend.presence
        let member = PresenceRecord(id: "socket-1", data: ["name": "Ada", "status": "online"], node: "bench")
        _ = try await presence.join(
            channel: "room-1", member: member, announce: EventFrames.presence(.join, channel: "room-1", member: member), excluding: nil)
        benchmark.startMeasurement()
        for i in benchmark.scaledIterations {
            var record = member
            record.data = ["name": "Ada", "status": "online", "n": .number(Double(i))]
            let announcement = ChannelAnnouncement(
                channel: "room-1", frame: EventFrames.presence(.update, channel: "room-1", member: record))
            try await presence.update(member: record, in: [announcement], excluding: nil)
            blackHole(record.storedJSON.serialized)
        }
        benchmark.stopMeasurement()
        await backend.bus.shutdown()
    }
}
