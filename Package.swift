// swift-tools-version: 6.0
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
                "SunoExporterApp", "SunoExporterCore",
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
        .testTarget(
            name: "SunoExporterCoreTests",
            dependencies: ["SunoExporterCore"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "SunoStoreTests", dependencies: ["SunoStore", "SunoExporterCore"]),
        .testTarget(
            name: "SunoExporterIntegrationTests",
            dependencies: [
                "SunoExporterApp", "SunoExporterCore", "SunoStore", "SunoHTTP", "SunoUpstream", "SunoSimulator",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)
