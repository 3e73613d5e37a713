/// A Redis URL as it may be shown: in logs, `/cluster`, error messages. The password
/// (everything between the user's ":" and the last "@") becomes `***`; the user name
/// stays, since operators need it to tell ACL users apart.
public enum RedisURLRedaction {
    public static func redact(_ url: String) -> String {
        let characters = Array(url)
        guard let schemeEnd = Self.schemeEnd(characters) else {
            // Not a URL at all: it could be anything, including a bare password.
            return "***"
        }
        var authorityEnd = characters.count
        if let index = characters[schemeEnd...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
            authorityEnd = index
        }
        guard let at = characters[schemeEnd..<authorityEnd].lastIndex(of: "@") else {
            return url
        }
        let userInfo = characters[schemeEnd..<at]
        guard let colon = userInfo.firstIndex(of: ":") else {
            return url
        }
        let head = String(characters[..<colon])
        let tail = String(characters[at...])
        return head + ":***" + tail
    }

    /// The index just past "://", if the text has one.
    private static func schemeEnd(_ characters: [Character]) -> Int? {
        guard characters.count >= 3 else { return nil }
        for index in 0...(characters.count - 3)
        where characters[index] == ":" && characters[index + 1] == "/" && characters[index + 2] == "/" {
            return index + 3
        }
        return nil
    }
}
