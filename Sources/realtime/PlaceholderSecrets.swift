import ArgumentParser

/// The example Secret in deploy/k8s ships `change-me-*` values. A process started
/// on them would run with keys anyone can read in the repository, so it refuses
/// to start and says which setting to replace (never the value itself: the Redis
/// URL may hold a real password elsewhere).
enum PlaceholderSecrets {
    static let marker = "change-me"

    /// `secrets`: (what to name in the error, value) for every secret the process got.
    static func refuse(_ secrets: [(String, String?)]) throws {
        let placeholders = secrets.filter { $0.1?.lowercased().contains(marker) ?? false }.map(\.0)
        guard !placeholders.isEmpty else { return }
        throw ValidationError(
            "\(placeholders.joined(separator: ", ")) still holds a placeholder '\(marker)-…' value "
                + "(the example in deploy/k8s/config.yaml): set a real secret, e.g. openssl rand -hex 32")
    }
}

extension RedisFlags {
    /// The Redis secrets (the URL's password, the Sentinel password), for `PlaceholderSecrets`.
    var secrets: [(String, String?)] {
        [
            ("--redis (REALTIME_REDIS)", redis ?? Env.value("REALTIME_REDIS")),
            ("REALTIME_REDIS_SENTINEL_PASSWORD", Env.value("REALTIME_REDIS_SENTINEL_PASSWORD")),
        ]
    }
}
