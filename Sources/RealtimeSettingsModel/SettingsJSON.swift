import Foundation

/// One JSON shape for settings everywhere: files, Redis, the server API and its SDK.
/// Dates are ISO 8601 with whole seconds on output; either form is read.
public enum SettingsJSON {
    public static func encode(_ settings: RealtimeSettings, includingVersion: Bool = true) -> Data {
        let encoder = JSONEncoder()
        if !includingVersion {
            encoder.userInfo[RealtimeSettings.omitVersion] = true
        }
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        // Encoding a plain struct of strings, numbers and dates cannot fail.
        return (try? encoder.encode(settings)) ?? Data("{}".utf8)
    }

    public static func decode(_ data: Data) throws -> RealtimeSettings {
        // APIKey parses its own dates, so either ISO 8601 form is accepted.
        try JSONDecoder().decode(RealtimeSettings.self, from: data)
    }
}
