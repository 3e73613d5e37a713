import RedisClient

/// Checks every limit and, only if none is exceeded, counts the event against all
/// of them and (optionally) publishes the message: the whole client event costs one
/// round trip. Windows are fixed, aligned on Redis' clock so every edge agrees, and
/// counters expire with their window so keys never accumulate.
///
/// KEYS: one counter base key per limit (`rt:rl:<name>:<subject>`).
/// ARGV: (rate, duration, name) per limit, then the subject, then optionally a
/// topic and a payload to publish.
/// Returns 0 when allowed, else the 1-based index of the first limit exceeded.
enum RateLimitScript {
    /// Prepended to a script to rate-limit it in the same call. Expects
    /// KEYS = (one counter base key per limit) ++ the script's own keys, and
    /// ARGV = (limit count L, then rate, duration, name per limit, then the subject)
    /// ++ the script's own arguments; L may be 0. On rejection it counts the
    /// rejection and answers the error `RATELIMIT <1-based index>`; otherwise it
    /// counts the event and rebinds KEYS and ARGV to the script's own part.
    static let prologue = """
        local L = tonumber(ARGV[1])
        if L > 0 then
          local now = tonumber(redis.call('TIME')[1])
          local windows = {}
          for i = 1, L do
            local duration = tonumber(ARGV[3 * i])
            local key = KEYS[i] .. ':' .. math.floor(now / duration)
            if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[3 * i - 1]) then
              redis.call('HINCRBY', 'rt:rl:rejections', ARGV[3 * i + 1], 1)
              redis.call('ZINCRBY', 'rt:rl:top', 1, ARGV[3 * L + 2])
              redis.call('EXPIRE', 'rt:rl:top', 3600)
              return redis.error_reply('RATELIMIT ' .. i)
            end
            windows[i] = {key, duration}
          end
          for i = 1, L do
            if redis.call('INCR', windows[i][1]) == 1 then
              redis.call('EXPIRE', windows[i][1], windows[i][2] + 1)
            end
          end
        end
        local KEYS = {unpack(KEYS, L + 1)}
        local ARGV = {unpack(ARGV, 3 * L + 3)}

        """

    /// `script` behind the rate-limit prologue.
    static func limited(_ script: RedisScript) -> RedisScript {
        RedisScript(prologue + script.source)
    }

    static let join = limited(PresenceScripts.join)
    static let leave = limited(PresenceScripts.leave)
    static let update = limited(PresenceScripts.update)
    static let members = limited(RedisScript("return redis.call('HVALS', KEYS[1])"))

    static let checkAndPublish = RedisScript("""
        local now = tonumber(redis.call('TIME')[1])
        local n = #KEYS
        local keys = {}
        for i = 1, n do
          local duration = tonumber(ARGV[3 * i - 1])
          local key = KEYS[i] .. ':' .. math.floor(now / duration)
          local count = tonumber(redis.call('GET', key) or '0')
          if count >= tonumber(ARGV[3 * i - 2]) then
            redis.call('HINCRBY', 'rt:rl:rejections', ARGV[3 * i], 1)
            redis.call('ZINCRBY', 'rt:rl:top', 1, ARGV[3 * n + 1])
            redis.call('EXPIRE', 'rt:rl:top', 3600)
            return i
          end
          keys[i] = {key, duration}
        end
        for i = 1, n do
          if redis.call('INCR', keys[i][1]) == 1 then
            redis.call('EXPIRE', keys[i][1], keys[i][2] + 1)
          end
        end
        if ARGV[3 * n + 2] then
          redis.call('PUBLISH', ARGV[3 * n + 2], ARGV[3 * n + 3])
        end
        return 0
        """)
}
