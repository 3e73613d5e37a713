// swift-tools-version:6.1
// Micro-benchmarks of the hot paths (ordo-one/package-benchmark). A separate
// package so `swift test` in the main package never builds them.
//
//   cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "RealtimeBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "realtime", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .executableTarget(
            name: "RealtimeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "SocketIOProtocol", package: "realtime"),
                .product(name: "RealtimeCore", package: "realtime"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Benchmarks/RealtimeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        )
    ]
)
