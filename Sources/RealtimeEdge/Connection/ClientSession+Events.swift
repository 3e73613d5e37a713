import NIOCore
import RealtimeCore
import SocketIOProtocol

extension ClientSession {
    /// Dispatches one client event and answers it: ack `{ok: true}` / result, or the
    /// error in the ack, or `realtime:error` when the client passed no ack.
    ///
    /// - Parameter started: a `message` whose publish the pipeline already started
    ///   (or refused) in event order; only its outcome is awaited here.
    func handleEvent(_ packet: SocketIOPacket, started: StartedPublish? = nil) async {
        let name = packet.eventName ?? ""
        let payload = packet.eventArguments.first ?? .null
        let result: JSONValue
        do {
            guard payload.objectValue != nil else {
                throw RealtimeError(.invalidPayload, "\(name) expects an object payload")
            }
            // The rate-limit check rides in the same backend call as the event's own work.
            let check = rateLimitCheck()
            switch name {
            case "join": result = try await join(payload, rateLimits: check)
            case "leave": result = try await leave(payload, rateLimits: check)
            case "update": result = try await update(payload, rateLimits: check)
            case "message":
                if let started {
                    result = try await finishMessage(started.get())
                } else {
                    result = try await finishMessage(startMessage(payload, rateLimits: check))
                }
            case "members":
                guard packet.id != nil else {
                    throw RealtimeError(.invalidPayload, "members answers through an ack: emit it with a callback")
                }
                result = try await members(payload, rateLimits: check)
            case "history":
                guard packet.id != nil else {
                    throw RealtimeError(.invalidPayload, "history answers through an ack: emit it with a callback")
                }
                result = try await history(payload, rateLimits: check)
            default:
                throw RealtimeError(.invalidPayload, "unknown event \(name.prefix(64))")
            }
        } catch let error as RealtimeError {
            sendError(error, event: name, ackId: packet.id)
            return
        } catch let exceeded as RateLimitExceeded {
            sendError(rateLimited(exceeded.limit), event: name, ackId: packet.id)
            return
        } catch {
            logger.error("event failed", metadata: ["event": "\(name)", "error": "\(error)"])
            sendError(
                RealtimeError(.internalServerError, "the backend is unavailable; the event was not delivered"), event: name,
                ackId: packet.id)
            return
        }
        if let id = packet.id { send(.ack(id: id, [result])) }
        // The recoverable snapshot follows the session's channels and metadata.
        if pid != nil, name == "join" || name == "leave" || name == "update" { await saveSnapshot() }
    }

    private var ok: JSONValue { .object(["ok": true]) }

    /// The limits in force, counted per user with a session, else per client address.
    func rateLimitCheck() -> RateLimitCheck? {
        let limits = services.settings.current.rateLimits
        guard !limits.isEmpty, let identity else { return nil }
        return RateLimitCheck(limits: limits, subject: identity.rateLimitSubject)
    }

    private func rateLimited(_ limit: RateLimit) -> RealtimeError {
        services.stats.rateLimitRejections.add(1, ordering: .relaxed)
        logger.debug("rate limited", metadata: ["limit": "\(limit.name)"])
        return .rateLimited(limit)
    }

    private func echo(_ payload: JSONValue) -> Bool {
        payload["echo"]?.boolValue ?? identity?.echoMessages ?? true
    }

    private func channelName(_ payload: JSONValue) throws(RealtimeError) -> String {
        guard let channel = payload["channel"]?.stringValue else {
            throw RealtimeError(.invalidChannel, "channel must be a string")
        }
        if let problem = services.configuration.limits.validateChannelName(channel) { throw problem }
        return channel
    }

    /// Counts an event that needs no backend work of its own (a no-op join or leave).
    private func countOnly(_ check: RateLimitCheck?) async throws -> JSONValue {
        if let check, let exceeded = try await services.bus.consumeRateLimits(check) {
            throw RateLimitExceeded(exceeded)
        }
        return ok
    }

    private func join(_ payload: JSONValue, rateLimits: RateLimitCheck?) async throws -> JSONValue {
        let channel = try channelName(payload)
        guard let connection, !channels.contains(channel) else { return try await countOnly(rateLimits) }
        let rule = services.settings.rule(for: channel)
        // A join refused by its rule still counts against the rate limits (every client
        // event does); one that asks the application's webhook is counted before the
        // webhook is asked, so no client can make the edge call it past its limits.
        var rateLimits = rateLimits
        if let rule, rule.join != .anyone {
            if rule.join == .webhook {
                _ = try await countOnly(rateLimits)
                rateLimits = nil
            }
            do {
                try await authorizeJoin(channel, rule: rule, token: payload["token"]?.stringValue)
            } catch {
                _ = try await countOnly(rateLimits)
                throw error
            }
        }
        let limit = services.configuration.limits.maxChannelsPerConnection
        guard channels.count < limit else {
            throw RealtimeError(.notAllowed, "a connection may be in at most \(limit) channels")
        }
        // Without presence nothing is stored or announced: the join costs the same in a
        // channel of any size.
        let tracked = rule?.presence ?? true
        // Local membership first, so the joiner's own channel:join (echo) reaches it.
        channels.insert(channel)
        if !tracked { untrackedChannels.insert(channel) }
        services.hub.addMember(connection, to: channel)
        do {
            try await services.interest.retain(.channel(channel))
            if tracked {
                let record = connection.record(node: services.nodeId)
                _ = try await services.presence.join(
                    channel: channel, member: record,
                    announce: EventFrames.presence(.join, channel: channel, member: record),
                    excluding: echo(payload) ? nil : connection.id, limitedBy: rateLimits)
            } else {
                _ = try await countOnly(rateLimits)
            }
        } catch {
            channels.remove(channel)
            untrackedChannels.remove(channel)
            services.hub.removeMember(connection, from: channel)
            await services.interest.release(.channel(channel))
            throw error
        }
        return ok
    }

    private func leave(_ payload: JSONValue, rateLimits: RateLimitCheck?) async throws -> JSONValue {
        let channel = try channelName(payload)
        guard let connection, channels.contains(channel) else { return try await countOnly(rateLimits) }
        if untrackedChannels.contains(channel) {
            _ = try await countOnly(rateLimits)
            channels.remove(channel)
            untrackedChannels.remove(channel)
            services.hub.removeMember(connection, from: channel)
            Task { [interest = services.interest] in await interest.release(.channel(channel)) }
            return ok
        }
        let frame = EventFrames.presence(.leave, channel: channel, member: connection.record(node: services.nodeId))
        // Local membership goes first so the leaver never gets the announcement through
        // the channel; a refused leave (rate limit, backend down) puts it back.
        channels.remove(channel)
        services.hub.removeMember(connection, from: channel)
        do {
            try await services.presence.leave(
                memberId: connection.id, node: services.nodeId, from: [ChannelAnnouncement(channel: channel, frame: frame)],
                limitedBy: rateLimits)
        } catch {
            channels.insert(channel)
            services.hub.addMember(connection, to: channel)
            throw error
        }
        Task { [interest = services.interest] in await interest.release(.channel(channel)) }
        // The leaver is no longer a member, so its own copy (echo) is sent directly.
        if echo(payload) { connection.send(frame) }
        return ok
    }

    private func update(_ payload: JSONValue, rateLimits: RateLimitCheck?) async throws -> JSONValue {
        guard let connection else { return ok }
        guard let data = payload["data"] else {
            throw RealtimeError(.invalidPayload, "update expects {data}")
        }
        let size = data.serialized.count
        let limit = services.configuration.limits.maxMetadataBytes
        guard size <= limit else {
            throw RealtimeError(.payloadTooLarge, "metadata is \(size) bytes; the limit is \(limit)")
        }
        let announced = channels.subtracting(untrackedChannels)
        guard !announced.isEmpty else {
            _ = try await countOnly(rateLimits)
            connection.metadata = data
            return ok
        }
        let record = PresenceRecord(id: connection.id, data: data, node: services.nodeId, userId: connection.userId)
        let announcements = announced.map {
            ChannelAnnouncement(channel: $0, frame: EventFrames.presence(.update, channel: $0, member: record))
        }
        try await services.presence.update(
            member: record, in: announcements, excluding: echo(payload) ? nil : connection.id, limitedBy: rateLimits)
        connection.metadata = data
        return ok
    }

    /// A `message` up to its publish, with no suspension point: validation, channel
    /// rules, the frame encoded once, and the publish queued on the session's lane,
    /// whose order is fixed by this call. Nil when there is nothing to publish.
    func startMessage(_ payload: JSONValue, rateLimits: RateLimitCheck?) throws -> EventLoopFuture<RateLimit?>? {
        guard payload.objectValue != nil else {
            throw RealtimeError(.invalidPayload, "message expects an object payload")
        }
        guard let connection else { return nil }
        guard let eventName = payload["eventName"]?.stringValue else {
            throw RealtimeError(.invalidPayload, "message expects {eventName, message, channel?}")
        }
        try EventNames.validateClientEventName(eventName)
        // No channel (absent or null) makes the message a broadcast.
        var channel: String?
        if let value = payload["channel"], !value.isNull { channel = try channelName(payload) }
        let topic = channel.map(Topic.channel) ?? .broadcast
        // One look at the settings: the rule to apply and what the publish keeps.
        let (rule, retention) = services.settings.publishing(to: topic)
        if let channel, let rule { try authorizePublish(channel, rule: rule) }
        let body = payload["message"] ?? .null
        let bodyBytes = body.serialized
        let limit = services.configuration.limits.maxPayloadBytes
        guard bodyBytes.count <= limit else {
            throw RealtimeError(.payloadTooLarge, "message is \(bodyBytes.count) bytes; the limit is \(limit)")
        }
        let frame = EventFrames.message(eventName: eventName, channel: channel, serializedMessage: bodyBytes)
        let excluding = echo(payload) ? nil : connection.id
        // The rate-limit check rides in the same Redis call as the publish. The lane
        // queues it now, in event order; only the wait for its outcome suspends.
        return lane.publish(topic, frame: frame, excluding: excluding, limitedBy: rateLimits, retaining: retention)
    }

    /// Waits for a started publish: the ack's answer, or the limit it exceeded.
    func finishMessage(_ outcome: EventLoopFuture<RateLimit?>?) async throws -> JSONValue {
        if let outcome, let exceeded = try await outcome.get() {
            throw rateLimited(exceeded)
        }
        return ok
    }

    private func members(_ payload: JSONValue, rateLimits: RateLimitCheck?) async throws -> JSONValue {
        let channel = try channelName(payload)
        if let rule = services.settings.rule(for: channel), !rule.presence {
            throw refusal(
                rule, .members, RealtimeError(.notAllowed, "presence is off in \(channel) (rule \"\(rule.match)\"): members are not listed")
            )
        }
        let members = try await services.presence.members(of: channel, limitedBy: rateLimits)
        return .object(["data": .array(members.map(\.publicJSON))])
    }
}
