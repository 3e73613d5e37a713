/// Files the edge serves as-is, kept as string literals (no SwiftPM resources).
enum StaticAssets {}
