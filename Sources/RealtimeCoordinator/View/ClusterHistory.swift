import SocketIOProtocol

/// The last couple of minutes of per-node figures, one sample a second, so the
/// dashboard opens with full charts instead of starting from an empty canvas.
/// Kept in memory only: it is a convenience for the viewer, not a metrics store
/// (Prometheus is, through `/metrics`).
struct ClusterHistory: Sendable {
    struct Point: Sendable {
        var connections: Int
        var messagesIn: Double
        var messagesOut: Double
    }

    struct Sample: Sendable {
        /// Unix ms.
        var time: Int64
        var nodes: [String: Point]
    }

    let capacity: Int
    let spacing: Int64
    private(set) var samples: [Sample] = []

    init(capacity: Int = 120, spacingMilliseconds: Int64 = 1000) {
        self.capacity = capacity
        self.spacing = spacingMilliseconds
    }

    /// Records the snapshot unless the previous sample is less than `spacing` old.
    /// Dead nodes have no points: the charts show a gap, not a drop to zero.
    mutating func record(_ snapshot: ClusterSnapshot) {
        if let last = samples.last, snapshot.generatedAt - last.time < spacing { return }
        var points: [String: Point] = [:]
        for node in snapshot.live {
            points[node.id] = Point(connections: node.connections, messagesIn: node.rates.messagesIn, messagesOut: node.rates.messagesOut)
        }
        samples.append(Sample(time: snapshot.generatedAt, nodes: points))
        if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
    }

    /// `{samples: [{t, nodes: {<id>: {connections, messagesInPerSecond, messagesOutPerSecond}}}]}`
    var json: JSONValue {
        .object([
            "samples": .array(
                samples.map { sample in
                    .object([
                        "t": .number(Double(sample.time)),
                        "nodes": .object(
                            sample.nodes.mapValues { point in
                                .object([
                                    "connections": .number(Double(point.connections)),
                                    "messagesInPerSecond": .number(rounded(point.messagesIn)),
                                    "messagesOutPerSecond": .number(rounded(point.messagesOut)),
                                ])
                            }),
                    ])
                })
        ])
    }
}
