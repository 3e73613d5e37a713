import RealtimeCore
import RedisClient

/// Lua scripts for dead-node cleanup. Each member is removed and its leave
/// announced in one atomic step: HDEL succeeds for exactly one caller, so even two
/// coordinators racing on the same node announce every leave exactly once, and a
/// coordinator crashing between "removed" and "announced" cannot lose a leave.
enum EvictionScripts {
    /// KEYS: the node's presence index, the channels set, the cleanups hash.
    /// ARGV: dead node id, presence-hash key prefix, channel-topic prefix, then
    /// (index entry, channel, member id, leave payload) quadruples. An empty payload
    /// means the record was not the dead node's when read: only the entry goes.
    /// The record is checked again here (its `node` must still be the dead node),
    /// since the member may have moved or been re-asserted by a revived edge.
    /// Returns how many members this call removed.
    static let evictMembers = RedisScript(lua: PackageResources.eviction_evict_members_lua)

    /// KEYS: the node's presence index, the nodes set, the cleanups hash, the node's
    /// eviction marker.
    /// ARGV: node id, control topic, eviction notice (empty: none is published).
    /// Deregisters the node and leaves the marker (a day): a node that was only cut
    /// off finds it when it reconnects, and announces the members it restores,
    /// whose leaves were announced here. Only the call that actually removed it from
    /// the nodes set counts the cleanup and publishes the notice; returns 1 for it.
    static let finishEviction = RedisScript(lua: PackageResources.eviction_finish_eviction_lua)
}
