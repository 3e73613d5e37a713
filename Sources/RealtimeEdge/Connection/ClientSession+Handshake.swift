import NIOCore
import RealtimeCore
import SocketIOProtocol

extension ClientSession {
    /// CONNECT: runs the SPEC's checks; on success registers the connection,
    /// on failure answers CONNECT_ERROR and accepts nothing more.
    func connect(auth: JSONValue?) async {
        let identity: ClientIdentity
        do {
            identity = try await node.authenticator.authenticate(
                auth: auth, settings: node.settings.settings, clientAddress: clientAddress)
        } catch {
            refuse(error)
            return
        }
        let connection = ClientConnection(
            id: socketId, userId: identity.userId, sessionId: SessionIdentity.id(of: identity.session), queue: queue,
            eventLoop: channel.eventLoop, stats: node.stats)
        if let userId = identity.userId {
            do {
                try await node.interest.retain(.user(userId))
            } catch {
                await node.interest.release(.user(userId))
                refuse(RealtimeError(.internalServerError, "the backend is unavailable; retry shortly"))
                return
            }
        }
        self.identity = identity
        self.connection = connection
        // CONNECT is handed to the connection's loop before the hub knows the connection,
        // so no delivery can overtake it.
        send(.init(type: .connect, data: .object(["sid": .string(socketId)])))
        node.hub.register(connection)
        node.stats.connections.add(1, ordering: .relaxed)
        node.stats.totalConnections.add(1, ordering: .relaxed)
        logger[metadataKey: "user"] = identity.userId.map { "\($0)" }
        logger.debug("client connected", metadata: ["address": "\(clientAddress)"])
    }

    private func refuse(_ error: RealtimeError) {
        refused = true
        node.stats.handshakeFailures.add(1, ordering: .relaxed)
        logger.info("handshake refused", metadata: ["code": "\(error.code.rawValue)", "address": "\(clientAddress)"])
        send(.init(type: .connectError, data: .object([
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
        self.connection = nil
        let left = channels
        channels = []
        for channel in left { node.hub.removeMember(connection.id, from: channel) }
        node.hub.unregister(connection)
        node.stats.connections.subtract(1, ordering: .relaxed)
        if queue.closeReason == .slowConsumer { node.stats.slowClientDisconnects.add(1, ordering: .relaxed) }
        if !left.isEmpty {
            let record = connection.record(node: node.nodeId)
            let announcements = left.map {
                ChannelAnnouncement(channel: $0, frame: EventFrames.presence(.leave, channel: $0, member: record))
            }
            do {
                try await node.broker.leave(memberId: connection.id, node: node.nodeId, from: announcements)
            } catch {
                logger.error("presence cleanup failed; the coordinator will remove it", metadata: ["error": "\(error)"])
            }
            for channel in left { await node.interest.release(.channel(channel)) }
        }
        if let userId = connection.userId {
            await node.interest.release(.user(userId))
        }
        logger.debug("client disconnected", metadata: ["reason": "\((queue.closeReason ?? .clientClosed).text)"])
    }
}
