import Foundation

/// The JSON coding of settings documents: dates as ISO 8601.
enum SettingsJSON {
    static func encode(_ document: RealtimeSettingsDocument) throws -> [UInt8] {
        let encoder = JSONEncoder()
        // Whole seconds: the server does not read fractional seconds.
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(document))
    }

    static func decode(_ bytes: [UInt8]) throws -> RealtimeSettingsDocument {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseISO8601(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
            }
            return date
        }
        return try decoder.decode(RealtimeSettingsDocument.self, from: Data(bytes))
    }

    /// ISO 8601 with or without fractional seconds.
    static func parseISO8601(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}
