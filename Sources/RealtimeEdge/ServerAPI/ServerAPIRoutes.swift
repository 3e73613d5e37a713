import Foundation
import Hummingbird
import NIOCore
import RealtimeCore
import SocketIOProtocol

/// The server API of PROTOCOL.md §3, for application backends, on every edge.
extension EdgeNode {
    func addServerAPIRoutes(to router: Router<EdgeRequestContext>) {
        let api = router.group("/api/v1")
            .add(middleware: RequestTimingMiddleware(histogram: stats.serverAPILatency))
            .add(middleware: MasterKeyMiddleware(masterKey: configuration.masterKey))
        api.post("/channels/:channel/messages") { request, context in
            try await self.apiCall {
                let channel = try self.pathChannel(context)
                let (eventName, message) = try await self.eventBody(request, context)
                let frame = EventFrames.message(eventName: eventName, channel: channel, serializedMessage: message)
                try await self.backend.bus.publish(
                    .channel(channel), frame: frame, excluding: nil, retaining: self.settings.retention(for: .channel(channel)))
                return JSONResponse.accepted
            }
        }
        api.post("/broadcast") { request, context in
            try await self.apiCall {
                let (eventName, message) = try await self.eventBody(request, context)
                let frame = EventFrames.message(eventName: eventName, channel: nil, serializedMessage: message)
                try await self.backend.bus.publish(
                    .broadcast, frame: frame, excluding: nil, retaining: self.settings.retention(for: .broadcast))
                return JSONResponse.accepted
            }
        }
        api.post("/publish") { request, _ in
            try await self.apiCall {
                let body = try await request.jsonBody(limit: PublishBatch.maxBodyBytes)
                let batch = try PublishBatch.publications(from: body, limits: self.configuration.limits).map { delivery in
                    var kept = delivery
                    kept.retaining = self.settings.retention(for: delivery.topic)
                    return kept
                }
                try await self.backend.bus.publish(batch: batch)
                return JSONResponse.ok(["published": .number(Double(batch.count))], status: .accepted)
            }
        }
        api.get("/channels/:channel/members") { _, context in
            try await self.apiCall {
                let channel = try self.pathChannel(context)
                if let rule = self.settings.rule(for: channel), !rule.presence {
                    self.ruleRefusals.count(rule: rule.match, action: .members)
                    throw APIError(
                        status: .forbidden, code: "not_allowed",
                        message: "presence is off in \(channel) (rule \"\(rule.match)\"): members are not listed")
                }
                let members = try await self.backend.presence.members(of: channel)
                return JSONResponse.ok(.array(members.map(\.publicJSON)))
            }
        }
        api.get("/channels/:channel/history") { request, context in
            try await self.apiCall {
                let channel = try self.pathChannel(context)
                let query = try HistoryQuery(
                    limitText: request.uri.queryParameters.get("limit"), sinceText: request.uri.queryParameters.get("since"))
                guard let policy = self.settings.rule(for: channel)?.history else {
                    throw APIError(
                        status: .forbidden, code: "not_allowed",
                        message: "\(channel) keeps no history (no channel rule with history matches it)")
                }
                let messages = try await self.backend.recovery.history(of: channel, policy: policy, limit: query.limit, since: query.since)
                return JSONResponse.ok(["data": .array(messages.compactMap(\.historyJSON))])
            }
        }
        api.get("/channels") { _, _ in
            try await self.apiCall {
                let channels = try await self.backend.presence.activeChannels()
                return JSONResponse.ok(
                    .array(
                        channels.map {
                            .object(["channel": .string($0.channel), "members": .number(Double($0.members))])
                        }))
            }
        }
        api.post("/users/:userId/events") { request, context in
            try await self.apiCall {
                guard let userId = context.pathParameter("userId"), !userId.isEmpty, userId.utf8.count <= 256 else {
                    throw APIError.badRequest("userId must be 1 to 256 bytes")
                }
                let body = try await request.jsonBody(limit: context.maxUploadSize)
                let event = try UserEvent(body: body)
                try await self.backend.bus.publish(.user(userId), frame: event.frame, excluding: nil)
                if event.eventName == "user:signout", self.settings.current.signoutEndsSessions {
                    try await self.backend.bus.endSessions(userId: userId, sessionId: event.sessionId)
                }
                return JSONResponse.ok(["accepted": true], status: .accepted)
            }
        }
        api.get("/config") { _, _ in
            try await self.apiCall {
                // What this edge enforces, with its version (SPEC §7): the stored
                // settings could be missing or older for a moment after a Redis loss.
                // Cut off from the backend, this edge cannot vouch for being current.
                guard self.isBackendUp else { throw BackendUnavailable() }
                return JSONResponse.bytes(Array(SettingsCoding.encode(self.settings.current)))
            }
        }
        api.put("/config") { request, context in
            try await self.apiCall {
                let buffer = try await request.bodyBytes(limit: context.maxUploadSize)
                let settings: RealtimeSettings
                do {
                    settings = try SettingsCoding.decodeValidated(Data(buffer.readableBytesView))
                } catch let error as SettingsValidationError {
                    throw APIError.badRequest(error.description)
                }
                if let reason = self.backend.recovery.unavailableReason,
                    settings.recovery.enabled || settings.channelRules.contains(where: { $0.history != nil })
                {
                    throw APIError.badRequest("recovery.enabled and channel rules with history: \(reason)")
                }
                let stored = try await self.backend.settings.store(settings, above: self.settings.current.version)
                self.apply(stored, source: "api")
                return JSONResponse.bytes(Array(SettingsCoding.encode(stored)))
            }
        }
    }

    /// Maps failures to PROTOCOL.md's `{"errors": [...]}` shape; backend failures are 503.
    private func apiCall(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            return error.response
        } catch let error as RealtimeError {
            return JSONResponse.error(.badRequest, code: error.code.rawValue, message: error.message)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return JSONResponse.error(.contentTooLarge, code: "payload_too_large", message: "request body too large")
        } catch {
            logger.error("server API call failed", metadata: ["error": "\(error)"])
            return JSONResponse.error(
                .serviceUnavailable, code: "service_unavailable", message: "the backend is unavailable; retry shortly")
        }
    }

    private func pathChannel(_ context: EdgeRequestContext) throws -> String {
        guard let channel = context.pathParameter("channel") else { throw APIError.badRequest("missing channel") }
        if let problem = configuration.limits.validateChannelName(channel) { throw problem }
        return channel
    }

    /// `{eventName, message}` with the same rules and limits as client messages.
    private func eventBody(_ request: Request, _ context: EdgeRequestContext) async throws -> (String, [UInt8]) {
        let body = try await request.jsonBody(limit: context.maxUploadSize)
        guard body.objectValue != nil else { throw APIError.badRequest("body must be an object {eventName, message}") }
        guard let eventName = body["eventName"]?.stringValue else { throw APIError.badRequest("eventName: required string") }
        try EventNames.validateClientEventName(eventName)
        let message = (body["message"] ?? .null).serialized
        let limit = configuration.limits.maxPayloadBytes
        guard message.count <= limit else {
            throw APIError(
                status: .contentTooLarge, code: "payload_too_large", message: "message is \(message.count) bytes; the limit is \(limit)")
        }
        return (eventName, message)
    }
}

/// The backend is unreachable: answered 503 like any backend failure.
private struct BackendUnavailable: Error {}
