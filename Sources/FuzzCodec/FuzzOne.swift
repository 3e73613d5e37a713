import SocketIOProtocol

// The fuzz harness for the Engine.IO / Socket.IO codec and the JSON payload decoder.
//
// One input is one WebSocket text frame as it arrives off the wire. `fuzzOne` runs
// it through the same path as the edge (`ClientSession.handleFrame`): the WebSocket
// layer validates UTF-8 (`String(validating:)`, an invalid frame is a 1007 close),
// then `EngineIOCodec.decode(text.utf8)` parses the Engine.IO packet, the Socket.IO
// packet inside a MESSAGE, its JSON data and the per-type payload rules. The raw
// bytes also go to every decoder directly, since the codec's contract is "any bytes
// → a packet or a typed error", valid UTF-8 or not.
//
// Beyond "no crash, no hang" it checks what the API promises and traps (a crash
// libFuzzer records) when a promise is broken:
//   * decoding is the same whether the bytes come as a raw buffer or as a String;
//   * what decodes satisfies the payload rules (EVENT has a name, ACK has an id...);
//   * round trips: encode(decoded) decodes to an equal value, and re-encoding that
//     gives the same bytes (the encoders are deterministic);
//   * `serializedByteCount` is the exact size of `serialized`;
//   * differential checks against the standard library: UTF-8 validation (PING data,
//     JSON strings) and number conversion (the parser's fast path vs `Double(_:)`);
//   * error descriptions, which may be sent to the peer, hold no control characters.

/// Runs one input through every check. Traps with a descriptive message on a violation.
func fuzzOne(_ raw: UnsafeRawBufferPointer) {
    // The exact buffer libFuzzer allocated (not a copy with spare capacity), so that
    // AddressSanitizer sees a read even one byte past the end.
    let input = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: raw.count)

    // The edge path: WebSocket UTF-8 validation, then the Engine.IO decoder.
    let rawResult = decodeEngineIO(input)
    let text = String(validating: input, as: UTF8.self)
    if let text {
        let edgeResult = decodeEngineIO(text.utf8)
        require(edgeResult == rawResult, "String and raw-buffer decodes differ", input, "\(edgeResult) vs \(rawResult)")
    }
    switch rawResult {
    case .success(let packet): checkEngineIO(packet, input)
    case .failure(let error): checkDescription(error.description, input)
    }

    // The bare Socket.IO decoder (what is inside a MESSAGE) and the JSON parser.
    switch Result(catching: { () throws(ProtocolError) -> SocketIOPacket in try SocketIOCodec.decode(input) }) {
    case .success(let packet): checkSocketIO(packet, input)
    case .failure(let error): checkDescription(error.description, input)
    }
    switch Result(catching: { () throws(JSONError) -> JSONValue in try JSONValue.parse(input) }) {
    case .success(let value):
        checkJSON(value, input)
        checkNumber(value, input)
    case .failure(let error):
        checkDescription(error.description, input)
        require(error.offset >= 0 && error.offset <= input.count, "JSON error offset out of range", input, "\(error)")
    }

    checkUTF8Differential(input, text)
}

// MARK: - Decoding helpers

func decodeEngineIO(_ bytes: some Collection<UInt8>) -> Result<EngineIOPacket, ProtocolError> {
    Result { () throws(ProtocolError) -> EngineIOPacket in try EngineIOCodec.decode(bytes) }
}

func decodeSocketIO(_ bytes: some Collection<UInt8>) -> Result<SocketIOPacket, ProtocolError> {
    Result { () throws(ProtocolError) -> SocketIOPacket in try SocketIOCodec.decode(bytes) }
}

func parseJSON(_ bytes: some Collection<UInt8>) -> Result<JSONValue, JSONError> {
    Result { () throws(JSONError) -> JSONValue in try JSONValue.parse(bytes) }
}

// MARK: - Engine.IO

func checkEngineIO(_ packet: EngineIOPacket, _ input: UnsafeBufferPointer<UInt8>) {
    if case .message(let message) = packet {
        checkSocketIO(message, input)
        let frame = EngineIOCodec.encodeMessage(message)
        require(EngineIOCodec.encode(packet) == frame, "encode(.message) differs from encodeMessage", input, "\(message)")
        require(
            frame.first == UInt8(ascii: "4") && Array(frame.dropFirst()) == SocketIOCodec.encode(message),
            "encodeMessage is not \"4\" + the Socket.IO encoding", input, "\(message)")
    }
    if case .ping(let payload) = packet { require(payload != "", "empty PING payload is not nil", input, "") }
    if case .pong(let payload) = packet { require(payload != "", "empty PONG payload is not nil", input, "") }
    checkRoundTrip("Engine.IO", packet, encode: EngineIOCodec.encode, decode: decodeEngineIO, input)
}

// MARK: - Socket.IO

/// The shapes `SocketIOPayloadRules` and the header grammar guarantee to the rest of
/// the server, plus the round trip.
func checkSocketIO(_ packet: SocketIOPacket, _ input: UnsafeBufferPointer<UInt8>) {
    let namespace = Array(packet.namespace.utf8)
    require(namespace.first == UInt8(ascii: "/"), "namespace does not start with '/'", input, packet.namespace)
    require(!namespace.contains(UInt8(ascii: ",")), "namespace contains ','", input, packet.namespace)
    require(!namespace.contains(where: { $0 < 0x20 || $0 == 0x7F }), "namespace contains a control character", input, "")
    if let id = packet.id {
        require((0...999_999_999).contains(id), "ack id out of range", input, "\(id)")
    }
    if packet.isBinary {
        require(
            packet.attachments.map { (0...999_999_999).contains($0) } ?? false, "binary packet without a valid attachment count", input,
            "\(packet)")
    } else {
        require(packet.attachments == nil, "non-binary packet with an attachment count", input, "\(packet)")
    }

    switch packet.type {
    case .connect:
        require(packet.data == nil || packet.data?.objectValue != nil, "CONNECT data is not an object", input, "\(packet)")
        require(packet.eventName == nil && packet.eventArguments.isEmpty, "CONNECT has event name/arguments", input, "\(packet)")
    case .disconnect:
        require(packet.data == nil, "DISCONNECT carries data", input, "\(packet)")
    case .connectError:
        require(
            packet.data == nil || packet.data?.objectValue != nil || packet.data?.stringValue != nil,
            "CONNECT_ERROR data is neither object nor string", input, "\(packet)")
    case .event, .binaryEvent:
        guard let name = packet.eventName, let elements = packet.data?.arrayValue else {
            fail("EVENT without a name", input, "\(packet)")
        }
        require(
            !["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"].contains(name),
            "EVENT with a reserved name passed the payload rules", input, name)
        require(packet.eventArguments == Array(elements.dropFirst()), "eventArguments is not the array after the name", input, "\(packet)")
    case .ack, .binaryAck:
        require(packet.id != nil, "ACK without an id", input, "\(packet)")
        guard let elements = packet.data?.arrayValue else { fail("ACK data is not an array", input, "\(packet)") }
        require(packet.eventName == nil && packet.eventArguments == elements, "ACK arguments are not its array", input, "\(packet)")
    }
    if let data = packet.data { checkJSON(data, input) }

    checkRoundTrip("Socket.IO", packet, encode: SocketIOCodec.encode, decode: decodeSocketIO, input)
}

// MARK: - JSON

func checkJSON(_ value: JSONValue, _ input: UnsafeBufferPointer<UInt8>) {
    let serialized = value.serialized
    require(
        value.serializedByteCount == serialized.count, "serializedByteCount is not the serialized size", input,
        "\(value.serializedByteCount) vs \(serialized.count): \(show(serialized))")
    require(String(validating: serialized, as: UTF8.self) != nil, "serialized JSON is not valid UTF-8", input, show(serialized))
    checkRoundTrip("JSON", value, encode: { $0.serialized }, decode: parseJSON, input)
}

/// Encoding `value`, decoding the bytes and encoding again must give back the same
/// value and the same bytes (the encoding is a fixed point).
func checkRoundTrip<Value: Equatable, Failure: Error>(
    _ layer: String, _ value: Value, encode: (Value) -> [UInt8], decode: ([UInt8]) -> Result<Value, Failure>,
    _ input: UnsafeBufferPointer<UInt8>
) {
    let encoded = encode(value)
    switch decode(encoded) {
    case .success(let again):
        require(again == value, "\(layer) round trip changed the value", input, "\(value) -> \(show(encoded)) -> \(again)")
        let reencoded = encode(again)
        require(
            reencoded == encoded, "\(layer) encoding is not a fixed point", input,
            "\(show(encoded)) vs \(show(reencoded))")
    case .failure(let error):
        fail("\(layer) encoding does not decode", input, "\(value) -> \(show(encoded)): \(error)")
    }
}

/// A top-level number must convert exactly as the standard library's correctly
/// rounded `Double(_:)` does (this checks the parser's exact fast path), sign of
/// zero included.
func checkNumber(_ value: JSONValue, _ input: UnsafeBufferPointer<UInt8>) {
    guard case .number(let parsed) = value else { return }
    let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    guard let first = input.firstIndex(where: { !isSpace($0) }), let last = input.lastIndex(where: { !isSpace($0) }) else {
        fail("a number parsed from blank input", input, "\(parsed)")
    }
    let literal = String(decoding: UnsafeBufferPointer(rebasing: input[first...last]), as: UTF8.self)
    guard let reference = Double(literal) else {
        fail("Double(_:) rejects a number the JSON parser accepted", input, literal)
    }
    require(
        parsed.bitPattern == reference.bitPattern, "number converted differently from Double(_:)", input,
        "\(literal): \(parsed) vs \(reference)")
    require(parsed.isFinite, "non-finite number accepted", input, literal)
}

// MARK: - UTF-8

/// The codec validates UTF-8 itself (PING/PONG data, namespaces, JSON strings); it
/// must agree with the standard library's validator byte for byte.
func checkUTF8Differential(_ input: UnsafeBufferPointer<UInt8>, _ text: String?) {
    guard !input.isEmpty else { return }
    // PING data: any bytes, accepted exactly when they are valid UTF-8.
    var ping: [UInt8] = [UInt8(ascii: "2")]
    ping.append(contentsOf: input)
    switch decodeEngineIO(ping) {
    case .success(.ping(let payload)):
        require(text != nil && payload == text, "PING accepted invalid UTF-8 or changed the data", input, "\(String(describing: payload))")
        require(payload.map { Array($0.utf8) == Array(input) } ?? false, "PING data not byte-identical", input, "")
    case .success(let other):
        fail("\"2...\" decoded as something other than PING", input, "\(other)")
    case .failure(let error):
        require(text == nil, "PING rejected valid UTF-8", input, "\(error)")
    }

    // A JSON string literal around the input, when it needs no escaping: accepted
    // exactly when the bytes are valid UTF-8, and then byte-identical.
    if !input.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
        var literal: [UInt8] = [UInt8(ascii: "\"")]
        literal.append(contentsOf: input)
        literal.append(UInt8(ascii: "\""))
        switch parseJSON(literal) {
        case .success(.string(let string)):
            require(text != nil && Array(string.utf8) == Array(input), "JSON string accepted invalid UTF-8 or changed it", input, string)
        case .success(let other):
            fail("a quoted literal parsed as a non-string", input, "\(other)")
        case .failure(let error):
            require(text == nil, "JSON string rejected valid UTF-8", input, "\(error)")
        }
    }
}

// MARK: - Failure reporting

/// Error messages may be shown to the peer: complete sentences, no raw control bytes.
func checkDescription(_ description: String, _ input: UnsafeBufferPointer<UInt8>) {
    require(
        !description.isEmpty && !description.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }),
        "error description is empty or holds a control character", input, description)
}

@inline(__always)
func require(
    _ condition: Bool, _ what: @autoclosure () -> String, _ input: UnsafeBufferPointer<UInt8>,
    _ detail: @autoclosure () -> String
) {
    if !condition { fail(what(), input, detail()) }
}

func fail(_ what: String, _ input: UnsafeBufferPointer<UInt8>, _ detail: String) -> Never {
    fatalError("FuzzCodec: \(what)\n  input (\(input.count) bytes): \(show(Array(input)))\n  detail: \(detail)")
}

/// Printable ASCII as is, everything else as \xNN; long inputs are cut.
func show(_ bytes: [UInt8]) -> String {
    var out = ""
    for byte in bytes.prefix(300) {
        if (0x20...0x7E).contains(byte) && byte != UInt8(ascii: "\\") {
            out.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let hex = String(byte, radix: 16)
            out += byte < 0x10 ? "\\x0\(hex)" : "\\x\(hex)"
        }
    }
    return bytes.count > 300 ? out + "... (\(bytes.count) bytes)" : out
}
