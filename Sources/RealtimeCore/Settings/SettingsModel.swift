// The settings types are defined once, in RealtimeSettingsModel, for the server and
// its SDK alike; code that uses RealtimeCore sees them as its own.
@_exported import RealtimeSettingsModel
