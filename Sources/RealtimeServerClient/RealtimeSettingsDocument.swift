@_exported import RealtimeSettingsModel

/// The Realtime settings as the server API reads and writes them (`GET`/`PUT /api/v1/config`):
/// the same definition the server uses (`RealtimeSettings`, module RealtimeSettingsModel).
///
/// A `PUT` replaces the whole document: fields left out take their defaults, so read,
/// change and write back (``RealtimeServerClient/getConfig()`` then
/// ``RealtimeServerClient/setConfig(_:)``) to change one field.
public typealias RealtimeSettingsDocument = RealtimeSettings
