@testable import SocketIOProtocol

/// Seeded generators for property tests. Values are built to respect the
/// protocol rules (valid event names, arrays for ACK, ...), so decode(encode(x))
/// must give back exactly x.
struct Generator {
    var rng: SplitMix64

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &rng)
    }

    mutating func bool() -> Bool {
        Bool.random(using: &rng)
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[int(0...choices.count - 1)]
    }

    // MARK: JSON

    mutating func json(depth: Int = 0, maxDepth: Int = 5) -> JSONValue {
        // Containers only while below the depth budget, so generation terminates.
        let kinds = depth < maxDepth ? 6 : 4
        switch int(0...kinds - 1) {
        case 0: return .null
        case 1: return .bool(bool())
        case 2: return .number(number())
        case 3: return .string(string())
        case 4: return .array((0..<int(0...4)).map { _ in json(depth: depth + 1, maxDepth: maxDepth) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<int(0...4) {
                members[string(maxLength: 6)] = json(depth: depth + 1, maxDepth: maxDepth)
            }
            return .object(members)
        }
    }

    /// Finite doubles of every flavour: small and 53-bit integers, short decimals,
    /// arbitrary bit patterns and edge values. (Non-finite values serialize as
    /// null by design, so they cannot round-trip and are tested separately.)
    mutating func number() -> Double {
        switch int(0...5) {
        case 0:
            return Double(int(-1000...1000))
        case 1:
            return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng))
        case 2:
            return Double(int(-1_000_000...1_000_000)) / 100
        case 3:
            while true {
                let value = Double(bitPattern: rng.next())
                if value.isFinite { return value }
            }
        case 4:
            return pick([
                0, -0.0, 0.1, 1e-7, .leastNonzeroMagnitude, 2.2250738585072014e-308, .greatestFiniteMagnitude,
                -.greatestFiniteMagnitude, 1e21, 9_007_199_254_740_992, 9_223_372_036_854_775_808, 1.5e300,
            ])
        default:
            return Double.random(in: -1e6...1e6, using: &rng)
        }
    }

    mutating func string(maxLength: Int = 12) -> String {
        var result = String.UnicodeScalarView()
        for _ in 0..<int(0...maxLength) {
            result.append(scalar())
        }
        return String(result)
    }

    /// Biased towards the characters that exercise escaping and UTF-8 handling.
    mutating func scalar() -> Unicode.Scalar {
        while true {
            let value: UInt32
            switch int(0...6) {
            case 0, 1: value = UInt32(int(0x20...0x7E))
            case 2: value = UInt32(int(0x00...0x1F))
            case 3: value = pick([0x22, 0x5C, 0x2F, 0x7F])
            case 4: value = UInt32(int(0x80...0x7FF))
            case 5: value = UInt32(int(0x800...0xFFFF))
            default: value = UInt32(int(0x10000...0x10FFFF))
            }
            // nil only for surrogate code points; draw again.
            if let scalar = Unicode.Scalar(value) { return scalar }
        }
    }

    // MARK: Socket.IO

    mutating func namespace() -> String {
        if bool() { return "/" }
        var result = "/"
        for _ in 0..<int(1...10) {
            // Anything but a comma or a control character is allowed in a namespace.
            let candidate = scalar()
            if candidate == "," || candidate.value < 0x20 || candidate.value == 0x7F { continue }
            result.unicodeScalars.append(candidate)
        }
        return result
    }

    mutating func eventName() -> String {
        while true {
            let name = string(maxLength: 10)
            if !SocketIOPayloadRules.reservedEventNames.contains(name) { return name }
        }
    }

    mutating func arguments() -> [JSONValue] {
        (0..<int(0...4)).map { _ in json(depth: 1) }
    }

    mutating func ackId() -> Int {
        pick([0, 1, 9, 10, 999_999_999, int(0...999_999_999)])
    }

    mutating func object() -> JSONValue {
        var members: [String: JSONValue] = [:]
        for _ in 0..<int(0...3) {
            members[string(maxLength: 6)] = json(depth: 1)
        }
        return .object(members)
    }

    mutating func packet() -> SocketIOPacket {
        let type = SocketIOPacketType(rawValue: UInt8(int(0...6)))!
        let namespace = namespace()
        switch type {
        case .connect:
            // Spelled out: with JSONValue being ExpressibleByNilLiteral, a bare `nil`
            // in `bool() ? object() : nil` would become `.null`, not "no data".
            let data: JSONValue? = bool() ? object() : Optional.none
            return SocketIOPacket(type: .connect, namespace: namespace, data: data)
        case .disconnect:
            return SocketIOPacket(type: .disconnect, namespace: namespace)
        case .connectError:
            let data = pick([Optional<JSONValue>.none, object(), .string(string())])
            return SocketIOPacket(type: .connectError, namespace: namespace, data: data)
        case .event, .binaryEvent:
            var packet = SocketIOPacket.event(eventName(), arguments(), id: bool() ? ackId() : nil, namespace: namespace)
            if type == .binaryEvent {
                packet.type = .binaryEvent
                packet.attachments = int(0...20)
            }
            return packet
        case .ack, .binaryAck:
            var packet = SocketIOPacket.ack(id: ackId(), arguments(), namespace: namespace)
            if type == .binaryAck {
                packet.type = .binaryAck
                packet.attachments = int(0...20)
            }
            return packet
        }
    }
}
