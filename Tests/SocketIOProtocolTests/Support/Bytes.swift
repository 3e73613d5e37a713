@testable import SocketIOProtocol

/// UTF-8 bytes of a string literal; most wire examples are easiest to read as text.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}

/// The error a Socket.IO decode throws, or nil when it succeeds. The typed throw
/// means `error` is statically a `ProtocolError`; nothing else can escape.
func socketIOError(_ input: [UInt8]) -> ProtocolError? {
    do {
        _ = try SocketIOCodec.decode(input)
        return nil
    } catch {
        return error
    }
}

func engineIOError(_ input: [UInt8]) -> ProtocolError? {
    do {
        _ = try EngineIOCodec.decode(input)
        return nil
    } catch {
        return error
    }
}

func jsonError(_ input: [UInt8], maxDepth: Int = 32) -> JSONError? {
    do {
        _ = try JSONValue.parse(input, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}
