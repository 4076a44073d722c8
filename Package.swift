// swift-tools-version: 6.2
import PackageDescription

// Adapter targets are the only ones allowed to import the C shims; the core stays pure.
let package = Package(
    name: "suno-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "suno-exporter", targets: ["suno-exporter"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // The git revision, fixed at build time through a C define (see Makefile).
        .target(name: "CBuildInfo"),
        .target(name: "SunoExporterCore"),
        .target(
            name: "SunoStore",
            dependencies: ["CSQLite", "SunoExporterCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(name: "SunoHTTP", dependencies: ["CMicroHTTPD", "CZlib"]),
        .target(
            name: "SunoUpstream",
            dependencies: ["CCurl", "SunoExporterCore", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SunoSimulator",
            dependencies: ["SunoHTTP", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "SunoExporterApp",
            dependencies: [
                "SunoExporterCore", "SunoStore", "SunoHTTP", "SunoUpstream", "SunoSimulator", "CBuildInfo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "suno-exporter",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoUpstream", "SunoSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `make bench`: release-built benchmarks with their yardsticks (see README, Benchmarks).
        .executableTarget(
            name: "suno-bench",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoHTTP", "SunoUpstream", "SunoSimulator", "CSQLite",
                "CMicroHTTPD",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `make fuzz`: libFuzzer targets (Tests/fuzz/run.sh builds this with --sanitize=fuzzer and -DSUNO_FUZZING;
        // a normal build gets a main that replays input files through the same targets).
        .executableTarget(
            name: "suno-fuzz",
            dependencies: ["SunoExporterApp", "SunoExporterCore"]
        ),
        // Tests: one target per source target, end-to-end tests (the real binary, Prometheus, Chromium)
        // in their own, and the helpers they share in one support target (declarations are `package`).
        .target(
            name: "SunoTestSupport",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoHTTP", "SunoUpstream", "SunoSimulator",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/SunoTestSupport"
        ),
        .testTarget(
            name: "SunoExporterCoreTests",
            dependencies: ["SunoExporterCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SunoStoreTests", dependencies: ["SunoStore", "SunoExporterCore", "SunoTestSupport"]),
        .testTarget(
            name: "SunoUpstreamTests",
            dependencies: ["SunoUpstream", "SunoExporterCore", "SunoHTTP", "SunoTestSupport"]
        ),
        .testTarget(name: "SunoHTTPTests", dependencies: ["SunoHTTP", "SunoTestSupport"]),
        .testTarget(name: "SunoSimulatorTests", dependencies: ["SunoSimulator", "SunoTestSupport"]),
        .testTarget(
            name: "SunoExporterAppTests",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoHTTP", "SunoUpstream", "SunoSimulator",
                "SunoTestSupport", .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "SunoExporterEndToEndTests",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoUpstream", "SunoSimulator", "SunoTestSupport",
            ]
        ),
    ]
)

// Every Swift target: unsafe constructs must be acknowledged with `unsafe` (SE-0458), so pointer code
// stays visible; it is confined to the files the README's "Unsafe code" section lists.
for target in package.targets where target.type != .system && target.name != "CBuildInfo" {
    target.swiftSettings = (target.swiftSettings ?? []) + [.strictMemorySafety()]
}
