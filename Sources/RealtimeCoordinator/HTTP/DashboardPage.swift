import NIOCore

/// The live dashboard at `/`: one self-contained page (inline CSS and JS, no CDN,
/// so it works on an air-gapped operator network) that polls `cluster` every second.
/// Table cells carry `data-node` / `data-field` attributes so tests and scrapers
/// can read the numbers without parsing the layout. The page is `dashboard.html`
/// beside this file, embedded in the binary at build time.
enum DashboardPage {
    static let html = ByteBuffer(bytes: PackageResources.dashboard_html)
}
