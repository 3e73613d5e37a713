// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// RealtimeRedis/Scripts/*.lua, embedded in the binary.
let luaScripts = [
    "presence_join", "presence_leave", "presence_update", "presence_members",
    "ratelimit_prologue", "ratelimit_check_and_publish",
    "eviction_evict_members", "eviction_finish_eviction",
    "lease_renew", "lease_release",
    "settings_store", "settings_restore",
    "recovery_publish", "recovery_missed", "recovery_keep",
    // Redis Cluster forms (one hash slot per call).
    "cluster_presence_join", "cluster_presence_leave", "cluster_presence_update", "cluster_ratelimit_check",
]

let package = Package(
    name: "realtime",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "realtime", targets: ["realtime"]),
        .library(name: "SocketIOProtocol", targets: ["SocketIOProtocol"]),
        .library(name: "RedisClient", targets: ["RedisClient"]),
        .library(name: "RealtimeCore", targets: ["RealtimeCore"]),
        .library(name: "RealtimeRedis", targets: ["RealtimeRedis"]),
        .library(name: "RealtimeEdge", targets: ["RealtimeEdge"]),
        .library(name: "RealtimeServerClient", targets: ["RealtimeServerClient"]),
        .library(name: "RealtimeClient", targets: ["RealtimeClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // TLS to Redis (rediss://); already in the graph through async-http-client.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            // No pkgConfig: Debian's hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM
            // rejects with a warning; the headers are on the default include path anyway.
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "RedisClient",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(name: "SocketIOProtocol", swiftSettings: strict),
        // The settings document, defined once for the server and the server SDK.
        .target(name: "RealtimeSettingsModel", swiftSettings: strict),
        .target(
            name: "RealtimeCore",
            dependencies: [
                "SocketIOProtocol",
                "RealtimeSettingsModel",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeRedis",
            dependencies: [
                "RealtimeCore",
                "RedisClient",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The Lua scripts are real files, compiled into the binary as byte arrays.
            resources: luaScripts.map { .embedInCode("Scripts/\($0).lua") },
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeEdge",
            dependencies: [
                "RealtimeCore",
                "SocketIOProtocol",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // Join webhooks: the HTTP client and the HMAC of their signature.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Static/realtime.js"), .embedInCode("Static/demo.html")],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeCoordinator",
            dependencies: [
                "RealtimeCore",
                "RealtimeRedis",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("HTTP/dashboard.html")],
            swiftSettings: strict
        ),
        .target(
            name: "SocketIOClient",
            dependencies: [
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeClient",
            dependencies: [
                "SocketIOClient",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeBench",
            dependencies: [
                "SocketIOClient",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeServerClient",
            dependencies: [
                "SocketIOProtocol",
                "RealtimeSettingsModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "realtime",
            dependencies: [
                "RealtimeCore",
                "RealtimeEdge",
                "RealtimeRedis",
                "RealtimeCoordinator",
                "RealtimeBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "RealtimeTestSupport",
            dependencies: ["SocketIOProtocol", .product(name: "JWTKit", package: "jwt-kit")],
            path: "Tests/RealtimeTestSupport"
        ),
        .target(
            name: "EdgeTestSupport",
            dependencies: ["RealtimeEdge", "RealtimeTestSupport", .product(name: "Hummingbird", package: "hummingbird")],
            path: "Tests/EdgeTestSupport"
        ),
        // A throwaway redis-server for tests (RedisClientTests, BackendContractTests).
        .target(
            name: "RedisTestSupport",
            dependencies: ["RedisClient", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            path: "Tests/RedisTestSupport"
        ),
        .testTarget(name: "SocketIOProtocolTests", dependencies: ["SocketIOProtocol"]),
        .testTarget(name: "RealtimeClientTests", dependencies: ["RealtimeClient", "RealtimeTestSupport"]),
        .testTarget(name: "RedisClientTests", dependencies: ["RedisClient", "RedisTestSupport"]),
        .testTarget(name: "RealtimeCoreTests", dependencies: ["RealtimeCore"]),
        .testTarget(name: "RealtimeRedisTests", dependencies: ["RealtimeRedis", "RealtimeCore", "RedisClient"]),
        .testTarget(
            name: "BackendContractTests",
            dependencies: [
                "RealtimeCore",
                "RealtimeRedis",
                "RedisClient",
                "RedisTestSupport",
                "SocketIOProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RealtimeCoordinatorTests", dependencies: ["RealtimeCoordinator", "RealtimeCore"]),
        .testTarget(
            name: "RealtimeServerClientTests",
            dependencies: ["RealtimeServerClient", "RealtimeEdge", "RealtimeTestSupport", "EdgeTestSupport"]),
        .testTarget(
            name: "RealtimeEdgeTests",
            dependencies: [
                "RealtimeEdge",
                "RealtimeTestSupport",
                "EdgeTestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .executableTarget(name: "FuzzCodec", dependencies: ["SocketIOProtocol"], path: "Sources/FuzzCodec", swiftSettings: strict),
    ]
)
