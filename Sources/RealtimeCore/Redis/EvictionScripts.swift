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
    static let evictMembers = RedisScript("""
        local removed = 0
        for i = 4, #ARGV, 4 do
          local entry, channel, member, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
          local key = ARGV[2] .. channel
          if payload ~= '' then
            local record = redis.call('HGET', key, member)
            if record then
              local ok, decoded = pcall(cjson.decode, record)
              if ok and type(decoded) == 'table' and decoded['node'] == ARGV[1] then
                redis.call('HDEL', key, member)
                if redis.call('HLEN', key) == 0 then redis.call('SREM', KEYS[2], channel) end
                redis.call('PUBLISH', ARGV[3] .. channel, payload)
                removed = removed + 1
              end
            end
          end
          redis.call('SREM', KEYS[1], entry)
        end
        if removed > 0 then redis.call('HINCRBY', KEYS[3], 'members', removed) end
        return removed
        """)

    /// KEYS: the node's presence index, the nodes set, the cleanups hash, the node's
    /// eviction marker.
    /// ARGV: node id, control topic, eviction notice.
    /// Deregisters the node and leaves the marker (a day): a node that was only cut
    /// off finds it when it reconnects, and announces the members it restores,
    /// whose leaves were announced here. Only the call that actually removed it from
    /// the nodes set counts the cleanup and publishes the notice; returns 1 for it.
    static let finishEviction = RedisScript("""
        redis.call('DEL', KEYS[1])
        redis.call('SET', KEYS[4], '1', 'EX', 86400)
        if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return 0 end
        redis.call('HINCRBY', KEYS[3], 'nodes', 1)
        redis.call('PUBLISH', ARGV[2], ARGV[3])
        return 1
        """)
}
