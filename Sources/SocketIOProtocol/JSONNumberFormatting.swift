/// How numbers are written as JSON.
///
/// Integral values that fit an `Int64` are written as plain integers ("5", not
/// "5.0"), which is what JavaScript peers produce and expect. Everything else uses
/// Swift's shortest round-tripping representation ("0.1", "1e-05", "1.5e+300"),
/// which is always valid JSON and parses back to the identical `Double`.
enum JSONNumberFormatting {
    static func append(_ value: Double, to buffer: inout [UInt8]) {
        guard value.isFinite else {
            buffer.appendStatic("null")
            return
        }
        if let integer = Int64(exactly: value) {
            buffer.appendDecimal(integer)
        } else {
            buffer.append(contentsOf: value.description.utf8)
        }
    }

    static func length(of value: Double) -> Int {
        guard value.isFinite else { return 4 }
        if let integer = Int64(exactly: value) {
            return decimalLength(integer)
        }
        return value.description.utf8.count
    }
}
