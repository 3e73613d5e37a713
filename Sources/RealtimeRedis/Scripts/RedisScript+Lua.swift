import RealtimeCore
import RedisClient

extension RedisScript {
    /// A script kept as a `.lua` file in Scripts/ and embedded in the binary at build
    /// time (SwiftPM `embedInCode`), so editors and linters read real Lua.
    init(lua bytes: [UInt8]) {
        self.init(String(decoding: bytes, as: UTF8.self))
    }
}
