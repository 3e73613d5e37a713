import Foundation

extension RealtimeServerClient {
    /// The Realtime settings in force.
    public func getConfig() async throws -> RealtimeSettingsDocument {
        let reply = try await perform(.GET, "/api/v1/config")
        do {
            return try SettingsJSON.decode(Data(reply.body))
        } catch {
            throw reply.unexpected
        }
    }

    /// Replaces the Realtime settings; every edge applies them within a second, without restart.
    ///
    /// - Returns: The settings in force after the change.
    /// - Throws: ``RealtimeServerError/invalidRequest(code:message:)`` naming the field at
    ///   fault (such as `rateLimits[0].rate: must be at least 1`); nothing changes then.
    @discardableResult
    public func setConfig(_ settings: RealtimeSettingsDocument) async throws -> RealtimeSettingsDocument {
        let reply = try await perform(.PUT, "/api/v1/config", body: Array(SettingsJSON.encode(settings)))
        do {
            return try SettingsJSON.decode(Data(reply.body))
        } catch {
            throw reply.unexpected
        }
    }
}
