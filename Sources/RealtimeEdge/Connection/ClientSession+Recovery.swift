import NIOCore
import RealtimeCore
import SocketIOProtocol

/// Connection state recovery (PROTOCOL.md §8), the session's side: its snapshot is kept
/// in the backend while it lives and after it is lost, and a CONNECT carrying
/// `{pid, offset}` takes it back: same socket id, channels and metadata, and every
/// message it missed, before any newer one.
extension ClientSession {
    /// A session a CONNECT asked to recover, taken out of the backend (so no other
    /// connection can take it too).
    struct RecoveryClaim {
        var pid: String
        var offset: LogOffset
        var snapshot: SessionSnapshot
    }

    /// The snapshot `auth` names, when recovery is on and it belongs to the same user.
    func claimRecovery(auth: JSONValue?, identity: ClientIdentity) async -> RecoveryClaim? {
        guard services.settings.recoveryEnabled, let pid = auth?["pid"]?.stringValue,
            let offset = auth?["offset"]?.stringValue.flatMap(LogOffset.init)
        else { return nil }
        do {
            guard let snapshot = try await services.recovery.take(pid: pid) else { return nil }
            guard snapshot.userId == identity.userId else {
                logger.info("recovery refused: the session belongs to another user")
                return nil
            }
            // Marked ours at once: from here the old connection's late cleanup finds
            // another owner and leaves the session's presence alone.
            var claimed = snapshot
            claimed.owner = owner
            claimed.node = services.nodeId
            try await services.recovery.save(claimed, pid: pid, ttlSeconds: services.settings.current.recovery.maxDisconnectionSeconds)
            return RecoveryClaim(pid: pid, offset: offset, snapshot: snapshot)
        } catch {
            logger.warning("recovery lookup failed; starting a new session", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Restores a claimed session on `connection` (built with the old socket id): its
    /// channels are subscribed while live deliveries are held, then the missed messages
    /// are read and sent after `reply` (the CONNECT answer), then the held ones not
    /// already replayed. False, with everything undone, when the missed messages cannot
    /// all be had: the client then gets a new session.
    func recover(_ claim: RecoveryClaim, on connection: ClientConnection, reply: ByteBuffer) async -> Bool {
        queue.hold()
        connection.metadata = claim.snapshot.data
        // Before this connection is a recipient, so it does not get its own leave.
        await replacePresence(of: claim.snapshot, record: connection.record(node: services.nodeId))
        services.hub.register(connection)
        var subscribed: [String] = []
        let missed: MissedMessages?
        do {
            for channel in claim.snapshot.channels {
                services.hub.addMember(connection, to: channel)
                subscribed.append(channel)
                try await services.interest.retain(.channel(channel))
            }
            missed = try await services.recovery.missed(after: claim.offset, channels: Set(subscribed), sid: connection.id)
        } catch {
            logger.warning("recovery failed; starting a new session", metadata: ["error": "\(error)"])
            missed = nil
        }
        // A replay the connection's outbound queue cannot hold would only end in a
        // slow-consumer disconnect: the client is better off with a new session.
        let limits = services.configuration.limits
        let fits = missed.map {
            $0.messages.count < limits.maxQueuedFrames
                && $0.messages.reduce(0) { $0 + $1.frame.readableBytes + 48 } < limits.maxQueuedBytes
        }
        guard let missed, fits == true else {
            try? await services.recovery.discard(pid: claim.pid)
            for channel in subscribed {
                services.hub.removeMember(connection, from: channel)
                await services.interest.release(.channel(channel))
            }
            services.hub.unregister(connection)
            queue.release(first: nil, replayedUpTo: nil)
            return false
        }
        channels = Set(subscribed)
        untrackedChannels = channels.filter { !(services.settings.rule(for: $0)?.presence ?? true) }
        let replay = missed.messages.map { OffsetFrames.appending($0.offset, to: $0.frame) }
        queue.release(first: [reply] + replay, replayedUpTo: missed.upTo)
        services.stats.messagesOut.add(replay.count, ordering: .relaxed)
        await announceRecovered(connection)
        logger.debug("session recovered", metadata: ["replayed": "\(replay.count)", "channels": "\(channels.count)"])
        return true
    }

    /// Removes the presence records the old connection may still hold (its edge was
    /// killed, or has not noticed the loss yet), announcing their leave; usually the old
    /// connection's cleanup did that already and nothing is announced.
    private func replacePresence(of snapshot: SessionSnapshot, record: PresenceRecord) async {
        let tracked = snapshot.channels.filter { services.settings.rule(for: $0)?.presence ?? true }
        guard !tracked.isEmpty else { return }
        let leaves = tracked.map { ChannelAnnouncement(channel: $0, frame: EventFrames.presence(.leave, channel: $0, member: record)) }
        do {
            try await services.presence.leave(memberId: snapshot.sid, node: snapshot.node, from: leaves)
        } catch {
            logger.error("presence of a recovered session failed", metadata: ["error": "\(error)"])
        }
    }

    /// Members see the recovered connection join again with its old id and metadata.
    private func announceRecovered(_ connection: ClientConnection) async {
        let announced = channels.subtracting(untrackedChannels)
        guard !announced.isEmpty else { return }
        let record = connection.record(node: services.nodeId)
        do {
            for channel in announced.sorted() {
                _ = try await services.presence.join(
                    channel: channel, member: record, announce: EventFrames.presence(.join, channel: channel, member: record),
                    excluding: connection.id)
            }
        } catch {
            logger.error("presence of a recovered session failed", metadata: ["error": "\(error)"])
        }
    }

    /// Keeps this session's current state recoverable (after CONNECT and every change),
    /// for `maxDisconnectionSeconds`; the edge refreshes the clock while it lives.
    func saveSnapshot() async {
        let recovery = services.settings.current.recovery
        guard recovery.enabled, let pid, let snapshot else { return }
        do {
            try await services.recovery.save(snapshot, pid: pid, ttlSeconds: recovery.maxDisconnectionSeconds)
        } catch {
            logger.warning("session snapshot not saved; it may not be recoverable", metadata: ["error": "\(error)"])
        }
    }

    private var snapshot: SessionSnapshot? {
        connection.map {
            SessionSnapshot(
                sid: $0.id, owner: owner, userId: $0.userId, channels: channels.sorted(), data: $0.metadata, node: services.nodeId)
        }
    }

    /// At the end of a connection: a lost one stays recoverable from now on for
    /// `maxDisconnectionSeconds`; one the client or a signout ended is forgotten.
    /// False when the session was recovered on another connection (which saved its own
    /// snapshot): its presence is that connection's now, and this one must not announce
    /// a leave for it. True otherwise, also when the snapshot is simply gone (expired,
    /// lost with Redis' data): this connection's presence must then go as usual.
    func settleSnapshot(reason: CloseReason?) async -> Bool {
        guard let pid else { return true }
        switch reason {
        case .sessionEnded, .handshakeRefused, .protocolViolation: saidGoodbye = true
        case .clientClosed, .pingTimeout, .slowConsumer, .serverShutdown, nil: break
        }
        let recovery = services.settings.current.recovery
        guard !saidGoodbye, recovery.enabled, let snapshot else {
            try? await services.recovery.discard(pid: pid)
            return true
        }
        do {
            return try await services.recovery.keep(snapshot, pid: pid, ttlSeconds: recovery.maxDisconnectionSeconds) != .recovered
        } catch {
            logger.warning("session snapshot not kept; it may not be recoverable", metadata: ["error": "\(error)"])
            return true
        }
    }
}
