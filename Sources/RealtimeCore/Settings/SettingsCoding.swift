import Foundation
import SocketIOProtocol

/// Settings JSON with validation (the plain coding is `SettingsJSON`, shared with the SDK).
public enum SettingsCoding {
    public static func encode(_ settings: RealtimeSettings, includingVersion: Bool = true) -> Data {
        SettingsJSON.encode(settings, includingVersion: includingVersion)
    }

    public static func decode(_ data: Data) throws -> RealtimeSettings {
        try SettingsJSON.decode(data)
    }

    /// Decodes and validates, turning every problem into a field-level message.
    public static func decodeValidated(_ data: Data) throws(SettingsValidationError) -> RealtimeSettings {
        if let document = try? JSONValue.parse(Array(data)), let unknown = SettingsKeys.firstUnknown(in: document) {
            throw unknown
        }
        let settings: RealtimeSettings
        do {
            settings = try decode(data)
        } catch let error as DecodingError {
            throw SettingsValidationError(field: error.fieldPath, message: error.readableMessage)
        } catch {
            throw SettingsValidationError(field: "", message: "settings must be a JSON object")
        }
        try settings.validate()
        return settings
    }
}

extension DecodingError {
    var fieldPath: String {
        let path: [any CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    var readableMessage: String {
        switch self {
        case .typeMismatch(let type, _): return "expected \(type)"
        case .valueNotFound(let type, _): return "missing \(type)"
        case .keyNotFound(let key, _): return "missing field \(key.stringValue)"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "invalid value"
        }
    }
}
