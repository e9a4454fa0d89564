// swift-tools-version:6.1
// boxbridge: Box enterprise file activity as a reliable, typed event stream.
//
// The target list is the architecture (README "Architecture"): one target per role, C confined
// to shim targets, generated protobuf code in its own target, one executable.
import PackageDescription

/// Shared by every target: Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "boxbridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "boxbridge", targets: ["BoxBridgeCLI"]),
        .executable(name: "boxbridge-bench", targets: ["BoxBridgeBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // MARK: C shims
        .systemLibrary(
            name: "CZeroMQ",
            path: "Sources/Shims/CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),
        /// OpenSSL's PEM reader, for the encrypted private key of Box's JWT app config (BoxAPI only).
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/Shims/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        /// SQLite's process-wide settings (sqlite3_config is variadic, so Swift needs a C shim; Index only).
        .systemLibrary(
            name: "CSQLiteConfig",
            path: "Sources/Shims/CSQLiteConfig",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // MARK: Libraries
        /// The only target that imports libzmq: sockets, messages, poller, CURVE.
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: swiftSettings
        ),
        /// Generated from protocol/*.proto by scripts/generate-protos, plus `+Bridge` extensions.
        .target(
            name: "BoxBridgeProtocol",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Generated/README.md"],
            swiftSettings: swiftSettings
        ),
        /// bridge.conf: typed sections, defaults, validation with file, line and key.
        .target(
            name: "BoxBridgeConfig",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: swiftSettings
        ),
        /// Process plumbing shared by every role: logging, metrics endpoint, service groups, clocks.
        .target(
            name: "BoxBridgeRuntime",
            dependencies: [
                "BoxBridgeConfig",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        /// The bus client side: RPC over ZeroMQ with the protocol's messages (ingest, replay, leases, stats).
        .target(
            name: "BusClient",
            dependencies: [
                "ZeroMQ", "BoxBridgeProtocol", "BoxBridgeConfig",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge broker`: journal, sequencing, fan-out, replay, leases, stats.
        .target(
            name: "Broker",
            dependencies: [
                "ZeroMQ", "BoxBridgeProtocol", "BoxBridgeConfig", "BoxBridgeRuntime", "BusClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge emulator`: a faithful, scriptable stand-in for Box's API.
        .target(
            name: "BoxEmulator",
            dependencies: [
                "BoxBridgeRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The Box API client and the rate-limit-aware scheduler. No ZeroMQ or protobuf here.
        .target(
            name: "BoxAPI",
            dependencies: [
                "COpenSSL",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge collector`: scope, poll, normalize, dedupe, coalesce, enrich, publish.
        .target(
            name: "Collector",
            dependencies: [
                "BoxAPI", "BoxBridgeProtocol", "BoxBridgeConfig", "BoxBridgeRuntime", "BusClient",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        /// `boxbridge archive`: per-connection, per-UTC-day gzip segments chained by SHA-256 in a manifest.
        .target(
            name: "Archive",
            dependencies: [
                "BoxBridgeProtocol", "BoxBridgeRuntime", "BoxBridgeConfig", "Subscriber", "BusClient",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        /// The subscriber runtime: cursor loaded from the output, replay then live, batches, lag reports.
        .target(
            name: "Subscriber",
            dependencies: [
                "BusClient", "BoxBridgeProtocol", "BoxBridgeConfig", "BoxBridgeRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge index` and `boxbridge search`: every file event in SQLite with full-text search.
        .target(
            name: "Index",
            dependencies: [
                "Subscriber", "BoxBridgeProtocol", "BoxBridgeConfig", "CSQLiteConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The SQLite C API GRDB wraps: the ingest loop binds its values directly.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge alert`: rules, thresholds, suppression; stdout, file, webhook and bus outputs.
        .target(
            name: "Alert",
            dependencies: [
                "Subscriber", "BusClient", "BoxBridgeProtocol", "BoxBridgeConfig", "BoxBridgeRuntime",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// `boxbridge up`: runs each role as a child process and restarts the ones that crash.
        .target(
            name: "Supervisor",
            dependencies: [
                "BoxBridgeConfig", "BoxBridgeRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: The executable
        .executableTarget(
            name: "BoxBridgeCLI",
            dependencies: [
                "BoxBridgeConfig", "BoxBridgeRuntime", "BoxBridgeProtocol", "ZeroMQ", "BusClient",
                "Broker", "BoxEmulator", "BoxAPI", "Collector", "Subscriber", "Index", "Alert", "Archive",
                "Supervisor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        /// `make bench`: every speed and memory target, printed as figures (release build).
        .executableTarget(
            name: "BoxBridgeBench",
            dependencies: [
                "ZeroMQ", "BoxBridgeProtocol", "BoxBridgeConfig", "BusClient", "Broker", "BoxEmulator",
                "BoxAPI", "Collector", "Archive", "Subscriber", "Index", "Alert",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/BoxBridgeBench",
            swiftSettings: swiftSettings
        ),

        // MARK: Tests
        /// Helpers every test target shares: waiting for child processes and conditions without
        /// blocking Swift's cooperative thread pool (so suites can run in parallel).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProtocolTests",
            dependencies: ["BoxBridgeProtocol", "ZeroMQ", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ConfigTests", dependencies: ["BoxBridgeConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RuntimeTests",
            dependencies: ["BoxBridgeRuntime"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BrokerTests",
            dependencies: ["Broker", "BusClient", "BoxBridgeProtocol", "ZeroMQ", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmulatorTests",
            dependencies: [
                "BoxEmulator", "TestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "BoxAPITests",
            dependencies: ["BoxAPI", "BoxEmulator", "TestSupport", .product(name: "MetricsTestKit", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector", "BoxAPI", "BoxBridgeProtocol", "BoxEmulator", "BoxBridgeConfig", "Broker", "BusClient",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiveTests",
            dependencies: [
                "Archive", "BoxBridgeProtocol", "Subscriber", "Broker", "BusClient", "TestSupport",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SubscriberTests",
            dependencies: ["Subscriber", "Broker", "BusClient", "BoxBridgeProtocol", "TestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IndexTests",
            dependencies: [
                "Index", "Subscriber", "Broker", "BusClient", "BoxBridgeProtocol", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AlertTests",
            dependencies: [
                "Alert", "Subscriber", "Broker", "BusClient", "BoxBridgeProtocol", "BoxBridgeConfig", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SupervisorTests",
            dependencies: ["Supervisor", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        /// Runs the built `boxbridge` binary as a real process.
        .testTarget(name: "CLITests", dependencies: ["BusClient", "BoxBridgeProtocol", "Supervisor", "TestSupport"], swiftSettings: swiftSettings),
        /// Whole-system tests: real broker, collector and subscriber processes against the emulator.
        .testTarget(
            name: "SystemTests",
            dependencies: [
                "BoxEmulator", "BusClient", "BoxBridgeProtocol", "BoxBridgeConfig", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
