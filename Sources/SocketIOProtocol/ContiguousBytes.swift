/// Runs `body` over the bytes as one contiguous buffer.
///
/// Every byte collection on the hot path (`[UInt8]`, `ArraySlice`, native
/// `String.UTF8View`, NIO's `ByteBufferView`) offers contiguous storage, so the
/// parsers can be written once against `UnsafeBufferPointer` with plain index
/// arithmetic; the copy only happens for exotic collections.
/// `Result` carries the typed error across `withContiguousStorageIfAvailable`,
/// whose closure is untyped `rethrows`.
@inlinable
func withContiguousBytes<C: Collection<UInt8>, R, E: Error>(
    _ bytes: C,
    _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
) throws(E) -> R {
    if let result = bytes.withContiguousStorageIfAvailable({ buffer in
        Result { () throws(E) -> R in try body(buffer) }
    }) {
        return try result.get()
    }
    let copy = Array(bytes)
    let result = copy.withUnsafeBufferPointer { buffer in
        Result { () throws(E) -> R in try body(buffer) }
    }
    return try result.get()
}
