import RealtimeCore
import RedisClient

/// The Redis Cluster forms of the presence and rate-limit scripts: each touches the
/// keys of one hash slot only (a channel's, or a subject's), so one-Redis scripts
/// that span a channel, the node index and the channel list are split in two here.
enum ClusterScripts {
    static let join = RedisScript(lua: PackageResources.cluster_presence_join_lua)
    static let leave = RedisScript(lua: PackageResources.cluster_presence_leave_lua)
    static let update = RedisScript(lua: PackageResources.cluster_presence_update_lua)
    static let rateLimitCheck = RedisScript(lua: PackageResources.cluster_ratelimit_check_lua)
}
