/// One topic's local recipients (a channel's members, a user's connections, or all):
/// by id for joins and leaves, and grouped by event loop for deliveries. The
/// grouping is built by the first delivery after a change and then shared by every
/// delivery until the next change, so a message costs no per-recipient work under
/// the hub's lock, only a reference to the groups.
struct RecipientSet: ExpressibleByDictionaryLiteral {
    private(set) var byId: [String: ClientConnection]
    private var grouped: RecipientGroups?

    init(dictionaryLiteral elements: (String, ClientConnection)...) {
        byId = Dictionary(uniqueKeysWithValues: elements)
    }

    subscript(id: String) -> ClientConnection? {
        get { byId[id] }
        set {
            byId[id] = newValue
            grouped = nil
        }
    }

    var isEmpty: Bool { byId.isEmpty }
    var count: Int { byId.count }
    var values: Dictionary<String, ClientConnection>.Values { byId.values }

    mutating func groups() -> RecipientGroups {
        if let grouped { return grouped }
        var groups = RecipientGroups()
        for connection in byId.values { groups.add(connection) }
        grouped = groups
        return groups
    }
}
