import RealtimeCore
import RedisClient

/// The versioned settings (SPEC §7). Versions are compared inside Redis, so no
/// interleaving of edges and tools can store an older version over a newer one.
enum SettingsScripts {
    /// KEYS: settings, control topic. ARGV: settings JSON without a version, floor
    /// version. Returns the stored JSON with its new version.
    static let store = RedisScript(lua: PackageResources.settings_store_lua)

    /// KEYS: settings, control topic. ARGV: the enforced settings JSON, its version.
    /// Returns 1 (written back), 0 (same version stored) or the newer stored JSON.
    static let restore = RedisScript(lua: PackageResources.settings_restore_lua)
}
