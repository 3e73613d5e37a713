import Logging
import RealtimeCore

/// Keeping the enforced settings in step with the stored ones (SPEC §7).
extension EdgeNode {
    /// Enforces `new` unless this edge already enforces a newer version (an old
    /// announcement arriving late, or a seed stored over vanished settings), and logs
    /// every field that changed.
    func apply(_ new: RealtimeSettings, source: String) {
        let old = settings.current
        guard new.version >= old.version else {
            logger.debug("ignored older settings", metadata: ["version": "\(new.version)", "enforced": "\(old.version)"])
            return
        }
        guard new != old else { return }
        settings.replace(new)
        var metadata: Logger.Metadata = ["source": "\(source)"]
        for (field, change) in SettingsChanges.between(old, new) { metadata[field] = "\(change)" }
        logger.notice("settings changed", metadata: metadata)
    }

    /// Makes sure the stored settings still exist: when they vanished (Redis restarted
    /// empty, flushed, failed over) or an older version replaced them, this edge writes
    /// back the version it enforces; when a newer one is stored, it enforces that.
    /// Runs with every heartbeat and when the backend comes back; failures only log.
    func checkStoredSettings() async {
        let enforced = settings.current
        do {
            switch try await backend.settings.restore(enforced) {
            case .inAgreement:
                break
            case .wroteBack:
                logger.warning(
                    "stored settings were missing or older: wrote back the enforced ones",
                    metadata: [
                        "version": "\(enforced.version)"
                    ])
            case .newer(let stored):
                apply(stored, source: "stored")
            }
        } catch {
            logger.debug("settings check failed", metadata: ["error": "\(error)"])
        }
    }
}
