return redis.call('HVALS', KEYS[1])
