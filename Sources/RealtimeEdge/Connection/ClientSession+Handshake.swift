import NIOCore
import RealtimeCore
import SocketIOProtocol

extension ClientSession {
    /// CONNECT: runs PROTOCOL.md's checks; on success registers the connection,
    /// on failure answers CONNECT_ERROR and accepts nothing more.
    func connect(auth: JSONValue?) async {
        let identity: ClientIdentity
        do {
            identity = try await services.authenticator.authenticate(
                auth: auth, settings: services.settings.current, clientAddress: clientAddress)
        } catch {
            refuse(error)
            return
        }
        if let claim = await claimRecovery(auth: auth, identity: identity) {
            socketId = claim.snapshot.sid
            pid = claim.pid
            guard let connection = await register(identity) else { return }
            if await recover(claim, on: connection, reply: connectReply()) {
                finishConnect(identity, recovered: true)
                await saveSnapshot()
                return
            }
            // The missed messages cannot all be had: a new session, as if none was asked for.
            self.connection = nil
            if let userId = identity.userId { await services.interest.release(.user(userId)) }
            socketId = RandomID.make()
            logger[metadataKey: "socket"] = "\(socketId)"
        }
        pid = services.settings.recoveryEnabled ? RandomID.make(length: 32) : nil
        guard let connection = await register(identity) else { return }
        // CONNECT is handed to the connection's loop before the hub knows the connection,
        // so no delivery can overtake it.
        sendNow(connectReply())
        services.hub.register(connection)
        finishConnect(identity, recovered: false)
        await saveSnapshot()
    }

    /// The connection for `identity`, subscribed to its user's events; nil (and refused)
    /// when the backend cannot subscribe.
    private func register(_ identity: ClientIdentity) async -> ClientConnection? {
        let connection = ClientConnection(
            id: socketId, userId: identity.userId, sessionId: SessionIdentity.id(of: identity.session), pid: pid, queue: queue,
            eventLoop: socket.eventLoop, stats: services.stats)
        if let userId = identity.userId {
            do {
                try await services.interest.retain(.user(userId))
            } catch {
                await services.interest.release(.user(userId))
                refuse(RealtimeError(.internalServerError, "the backend is unavailable; retry shortly"))
                return nil
            }
        }
        self.identity = identity
        self.connection = connection
        return connection
    }

    /// `40{"sid"}`, with the private id (`pid`) when recovery is on.
    private func connectReply() -> ByteBuffer {
        var data: [String: JSONValue] = ["sid": .string(socketId)]
        if let pid { data["pid"] = .string(pid) }
        return ByteBuffer(bytes: EngineIOCodec.encodeMessage(.init(type: .connect, data: .object(data))))
    }

    private func finishConnect(_ identity: ClientIdentity, recovered: Bool) {
        services.stats.connections.add(1, ordering: .relaxed)
        services.stats.totalConnections.add(1, ordering: .relaxed)
        logger[metadataKey: "user"] = identity.userId.map { "\($0)" }
        logger.debug("client connected", metadata: ["address": "\(clientAddress)", "recovered": "\(recovered)"])
    }

    private func refuse(_ error: RealtimeError) {
        refused = true
        services.stats.handshakeFailures.add(1, ordering: .relaxed)
        logger.info("handshake refused", metadata: ["code": "\(error.code.rawValue)", "address": "\(clientAddress)"])
        send(
            .init(
                type: .connectError,
                data: .object([
                    "message": .string(error.title),
                    "data": .object([
                        "origin": "client_error",
                        "code": .string(error.code.rawValue),
                        "message": .string(error.message),
                    ]),
                ])))
    }

    /// Leaves every channel (members elsewhere get channel:leave) and unregisters.
    func cleanUp() async {
        guard let connection else { return }
        let stillOurs = await settleSnapshot(reason: queue.closeReason)
        self.connection = nil
        let left = channels
        let announced = stillOurs ? channels.subtracting(untrackedChannels) : []
        channels = []
        untrackedChannels = []
        for channel in left { services.hub.removeMember(connection, from: channel) }
        services.hub.unregister(connection)
        services.stats.connections.subtract(1, ordering: .relaxed)
        if queue.closeReason == .slowConsumer { services.stats.slowClientDisconnects.add(1, ordering: .relaxed) }
        if !announced.isEmpty {
            let record = connection.record(node: services.nodeId)
            let announcements = announced.map {
                ChannelAnnouncement(channel: $0, frame: EventFrames.presence(.leave, channel: $0, member: record))
            }
            do {
                try await services.presence.leave(memberId: connection.id, node: services.nodeId, from: announcements)
            } catch {
                logger.error("presence cleanup failed; the coordinator will remove it", metadata: ["error": "\(error)"])
            }
        }
        for channel in left { await services.interest.release(.channel(channel)) }
        if let userId = connection.userId {
            await services.interest.release(.user(userId))
        }
        logger.debug("client disconnected", metadata: ["reason": "\((queue.closeReason ?? .clientClosed).text)"])
    }
}
