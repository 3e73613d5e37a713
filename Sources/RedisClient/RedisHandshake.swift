/// The commands that prepare a fresh connection before it is handed out.
enum RedisHandshake {
    /// AUTH (with the ACL user when given) and SELECT, in that order; empty
    /// when neither is needed. SELECT is skipped for pub/sub, where channels
    /// are global.
    static func commands(for configuration: RedisConfiguration, selectDatabase: Bool = true) -> [RedisCommand] {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(RedisCommand("AUTH", .string(username), .string(password)))
            } else {
                commands.append(RedisCommand("AUTH", .string(password)))
            }
        }
        if selectDatabase, configuration.database != 0 {
            commands.append(RedisCommand("SELECT", .int(configuration.database)))
        }
        return commands
    }
}
