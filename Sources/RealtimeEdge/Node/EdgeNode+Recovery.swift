import RealtimeCore

extension EdgeNode {
    /// Restarts the recovery clock of every live session's snapshot, every third of
    /// `maxDisconnectionSeconds`: a session whose edge is killed stays recoverable for
    /// at least two thirds of the window after the kill (a lost one, on a live edge,
    /// for the whole window, from the moment it was lost). One pipelined call.
    func refreshRecoverableSessions(second: Int) async {
        let recovery = settings.current.recovery
        guard recovery.enabled, second % max(1, recovery.maxDisconnectionSeconds / 3) == 0 else { return }
        let pids = hub.allConnections.compactMap(\.pid)
        do {
            try await backend.recovery.refresh(pids: pids, ttlSeconds: recovery.maxDisconnectionSeconds)
        } catch {
            logger.debug("recovery refresh failed", metadata: ["error": "\(error)"])
        }
    }
}
