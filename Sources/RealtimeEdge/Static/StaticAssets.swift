import NIOCore

/// Files the edge serves as-is. They live beside this file as real `.js` and `.html`
/// files and are embedded in the binary at build time (SwiftPM `embedInCode`), so the
/// single executable needs no resource folder; the bytes are wrapped once, at first use.
enum StaticAssets {
    /// The browser client served at `/client/realtime.js` (one ES module, no dependencies).
    static let realtimeJS = ByteBuffer(bytes: PackageResources.realtime_js)
    /// The demo chat page served at `/demo/` when the edge runs with `--demo`.
    static let demoHTML = ByteBuffer(bytes: PackageResources.demo_html)
}
