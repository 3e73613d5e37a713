/// Random identifiers for sockets, sessions and nodes: URL-safe, no spaces or
/// separators, so they can be embedded in Redis keys and index entries as they are.
public enum RandomID {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func make(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: length)
        for i in 0..<length {
            bytes[i] = alphabet[Int(generator.next() & 63)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
