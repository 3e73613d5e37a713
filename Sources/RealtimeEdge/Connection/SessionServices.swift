import Logging
import RealtimeCore

/// Exactly what a client session uses of its edge, handed to it at creation instead of
/// the whole node: the backend's bus and presence, the local hub and topic interest,
/// the settings in force, the handshake and channel-rule checks and the node's counters.
struct SessionServices: Sendable {
    let nodeId: String
    let configuration: EdgeConfiguration
    let bus: any MessageBus
    let presence: any PresenceStore
    let recovery: any RecoveryStore
    let hub: LocalHub
    let interest: TopicInterest
    let settings: EnforcedSettings
    let authenticator: HandshakeAuthenticator
    let admission: ConnectionAdmission
    let stats: NodeStats
    let ruleRefusals: RuleRefusals
    let joinWebhook: JoinWebhook
    let logger: Logger
}

extension EdgeNode {
    var sessionServices: SessionServices {
        SessionServices(
            nodeId: nodeId, configuration: configuration, bus: backend.bus, presence: backend.presence, recovery: backend.recovery,
            hub: hub,
            interest: interest, settings: settings, authenticator: authenticator, admission: admission, stats: stats,
            ruleRefusals: ruleRefusals, joinWebhook: joinWebhook, logger: logger)
    }
}
